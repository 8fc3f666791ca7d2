// SPDX-License-Identifier: Apache-2.0
// Opens HQ's regional report (one self-contained HTML file, hq/report/report_html.cpp) in Debian's
// chromium, headless, at a phone's size, and prints what it saw as one JSON object on stdout:
// whether anything is wider than the screen, the stores and flagged associates shown, and what
// the language button switches. tests/hq/region_report_test.cpp holds it against the report's JSON.
//   node region_report.mjs '{"file": "/abs/path/report.html", "out": "DIR"}'
import puppeteer from 'puppeteer-core';

const args = JSON.parse(process.argv[2]);
const result = { scenario: 'region_report' };
const phone = { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const deadline = setTimeout(() => { console.error('browser scenario took over 60 s'); process.exit(3); }, 60000);

const browser = await puppeteer.launch({
  executablePath: process.env.KELU_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  userDataDir: `${args.out}/chromium-profile`,
  // The file must need nothing from the network: any request but the file itself is refused.
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--lang=zh-CN'],
});
try {
  const page = await browser.newPage();
  await page.setViewport(phone);
  const errors = [];
  const requests = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
  await page.goto(`file://${args.file}`, { waitUntil: 'load' });

  // What a person sees: visible text only (the other language's spans are display:none).
  const seen = () => page.evaluate(() => {
    const visible = (el) => el && el.getClientRects().length > 0;
    const tables = [...document.querySelectorAll('.scroll')].map((d) => ({
      heading: d.previousElementSibling ? d.previousElementSibling.innerText : '',
      wider_than_its_box: d.scrollWidth > d.clientWidth + 1,
    }));
    return {
      title: document.querySelector('h1').innerText,
      page_wider_than_screen: document.documentElement.scrollWidth > window.innerWidth + 1,
      tables,
      // The stores' table comes first; its rows open on the store's name.
      stores: [...document.querySelector('.scroll').querySelectorAll('summary')].filter(visible)
        .map((s) => s.innerText.trim()),
      flagged: [...document.querySelectorAll('td.flag')].filter(visible).length,
      charts: document.querySelectorAll('svg').length,
    };
  });
  result.zh = await seen();
  await page.screenshot({ path: `${args.out}/region-report-phone.png`, fullPage: true });
  await page.click('button');
  result.en = await seen();
  await page.screenshot({ path: `${args.out}/region-report-phone-en.png`, fullPage: true });
  result.errors = errors;
  result.requests = requests;
} catch (e) {
  result.failure = String(e && e.stack ? e.stack : e);
} finally {
  clearTimeout(deadline);
  await browser.close();
}
console.log(JSON.stringify(result));
