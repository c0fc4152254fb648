import { describe, expect, it } from 'vitest';
import { loadHtml } from './html.ts';
import { decodeEntities, isBotCheck, lightenHtml, metaContent, pageTitle } from './page.ts';

describe('lightenHtml', () => {
  it('empties scripts (keeping a remote src), styles, noscript and outermost SVGs; leaves the rest as it was', () => {
    const html = [
      '<head><title>T</title><style>body{color:red}</style><script>var big = "<p>";</script>',
      '<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async></script><script src="data:text/javascript;base64,AAAA"></script></head>',
      '<body><noscript>Enable JavaScript</noscript><p>Keep <b>this</b></p><svg viewBox="0 0 1 1"><svg><path d="M0"/></svg><path d="M1"/></svg><i>after</i></body>',
    ].join('');
    expect(lightenHtml(html)).toBe(
      '<head><title>T</title><style></style><script></script><script src="https://challenges.cloudflare.com/turnstile/v0/api.js"></script><script></script></head>' +
        '<body><noscript></noscript><p>Keep <b>this</b></p><svg></svg><i>after</i></body>',
    );
  });
});

describe('page head from raw HTML', () => {
  it('reads the first title and meta contents, entities decoded', () => {
    const html = '<html><head><title>\n  Tom &amp; Jerry &#8211; &#x41;I  </title><meta property="og:url" content="https://example.com/share/1?a=1&amp;b=2"><meta name=description content=plain></head><body><title>not this</title></body></html>';
    expect(pageTitle(html)).toBe('Tom & Jerry – AI');
    expect(metaContent(html, 'og:url')).toBe('https://example.com/share/1?a=1&b=2');
    expect(metaContent(html, 'description')).toBe('plain');
    expect(metaContent(html, 'og:title')).toBeUndefined();
    expect(pageTitle('<p>no title</p>')).toBeUndefined();
    expect(decodeEntities('&lt;a&gt; &quot;x&quot; &apos;y&apos; &nbsp;&unknown; &#128512;')).toBe('<a> "x" \'y\' \u00a0&unknown; 😀');
  });
});

describe('isBotCheck', () => {
  const check = (html: string) => isBotCheck(loadHtml(lightenHtml(html)), html);

  it('recognizes Cloudflare, Alibaba Cloud and captcha challenge pages', () => {
    expect(check('<html><head><title>Just a moment...</title></head><body></body></html>')).toBe(true);
    expect(check('<html><head><title>Access denied | example.com used Cloudflare</title></head><body></body></html>')).toBe(true);
    expect(check('<body><div id="challenge-running"></div></body>')).toBe(true);
    expect(check('<body><form id="x" action="/?__cf_chl_f_tk=1"></form></body>')).toBe(true);
    expect(check('<body><div class="cf-turnstile"></div></body>')).toBe(true);
    expect(check('<body><script src="https://challenges.cloudflare.com/turnstile/v0/api.js"></script></body>')).toBe(true);
    expect(check('<body><div id="nc_1_wrapper"></div></body>')).toBe(true);
    expect(check('<body><div class="g-recaptcha"></div></body>')).toBe(true);
    expect(check('<body><script>window._cf_chl_opt={cType:"managed"};</script></body>')).toBe(true);
  });

  it('does not take a normal page for one', () => {
    expect(check('<html><head><title>Chat</title><link rel="preconnect" href="https://challenges.cloudflare.com"></head><body><p>Hello</p></body></html>')).toBe(false);
    // Cloudflare injects its bot-detection script into normal pages too.
    expect(check('<html><head><title>Chat</title></head><body><p>Hi</p><script src="https://chat.example.com/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script></body></html>')).toBe(false);
    expect(isBotCheck(loadHtml('<p>Verify you are human by completing the action below.</p>'))).toBe(false);
  });
});
