import { describe, expect, it } from 'vitest';
import { describeDevice, formatDuration, timeAgo } from './settings-format';

describe('describeDevice', () => {
  it('names the browser and system of common user agents', () => {
    expect(describeDevice('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36')).toBe('Chrome on Linux');
    expect(describeDevice('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0')).toBe('Edge on Windows');
    expect(describeDevice('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1')).toBe('Safari on iOS');
    expect(describeDevice('Mozilla/5.0 (Macintosh; Intel Mac OS X 14.0; rv:121.0) Gecko/20100101 Firefox/121.0')).toBe('Firefox on macOS');
    expect(describeDevice('Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36')).toBe('Chrome on Android');
  });

  it('says what it can for tools and nothing', () => {
    expect(describeDevice('curl/8.5.0')).toBe('curl');
    expect(describeDevice('node')).toBe('A script');
    expect(describeDevice(null)).toBe('Unknown device');
  });
});

describe('formatDuration', () => {
  it('keeps the two largest units', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(2 * 3600 + 5 * 60 + 9)).toBe('2 h 5 min');
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 59)).toBe('3 d 4 h');
    expect(formatDuration(-5)).toBe('0 s');
  });
});

describe('timeAgo', () => {
  const now = Date.parse('2024-03-10T12:00:00Z');
  it('reads recent times relatively and says never for nothing', () => {
    expect(timeAgo('2024-03-10T11:59:30Z', now)).toBe('just now');
    expect(timeAgo('2024-03-10T11:55:00Z', now)).toBe('5 min ago');
    expect(timeAgo('2024-03-10T09:00:00Z', now)).toBe('3 h ago');
    expect(timeAgo('2024-03-08T12:00:00Z', now)).toBe('2 d ago');
    expect(timeAgo(null, now)).toBe('never');
    expect(timeAgo('2023-01-01T00:00:00Z', now)).toMatch(/2023/);
  });
});
