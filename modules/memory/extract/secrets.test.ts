import { describe, expect, it } from 'vitest';
import { findSecrets, hasSecret, ibanValid, luhn, maskSecrets } from './secrets.ts';

describe('findSecrets', () => {
  it.each([
    ['an OpenAI key', 'my key sk-proj-Ab12Cd34Ef56Gh78Ij90KlMn works', 'api-key'],
    ['an Anthropic key', 'use sk-ant-api03-AAAABBBBCCCCDDDD1234', 'api-key'],
    ['a GitHub token', 'token ghp_4fT9kQ2mZx8LwP1vR7sY3nB6cD0eH5jU2aKq here', 'api-key'],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE', 'api-key'],
    ['a Slack token', 'xoxb-123456789012-abcdefABCDEF', 'api-key'],
    ['a JWT', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'token'],
    ['a private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', 'private-key'],
    ['a stated password', 'my password is hunter2-Secret!', 'password'],
    ['a pin', 'the PIN for my card: 4821', 'password'],
    ['a card number (Luhn)', 'card 4111 1111 1111 1111 expires', 'card-number'],
    ['an IBAN (mod 97)', 'IBAN GB82 WEST 1234 5698 7654 32', 'iban'],
    ['a random token', 'export TOKEN=Qx7fK2pL9zR4mW8vT3nB6yH1', 'token'],
  ])('finds %s', (_name, text, kind) => {
    expect(findSecrets(text).map((f) => f.kind)).toContain(kind);
  });

  it.each([
    'I prefer spaces over tabs and I live in Lisbon.',
    'See https://github.com/owenservera/SingleFile-VIVIM for the code',
    'My phone number is not a card: 4111 1111 1111 1112',
    'We shipped version 2025.03.01 of some_long_identifier_name_here',
    'I have been using Python for 6 years',
  ])('leaves ordinary text alone: %s', (text) => {
    expect(hasSecret(text)).toBe(false);
  });

  it('masks every secret and keeps the rest of the sentence', () => {
    const masked = maskSecrets('I live in Lisbon and my password is hunter2, key AKIAIOSFODNN7EXAMPLE.');
    expect(masked).toBe('I live in Lisbon and my password is [redacted], key [redacted].');
    expect(hasSecret(masked)).toBe(false);
  });

  it('checks Luhn and IBAN checksums', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
  });
});
