// The pages a class looks at, at projector size (1280 x 800) in headless Chromium: lessons 1
// and 5, and the corpus replay when ../shared/corpus is there. Every text of every chart is
// drawn at 16 px or more, and none is clipped by its chart; screenshots are kept for people.
//
//   node tests/browser/projector.test.mjs CABLESIM SOURCE_DIR WORK_DIR
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const [cablesim, source, work] = process.argv.slice(2);
mkdirSync(work, { recursive: true });

function check(ok, what) {
  if (!ok) throw new Error('FAILED: ' + what);
  console.log('ok: ' + what);
}

const pages = [];
for (const [lesson, topology] of [['1-flash-preemption', 'teaching'], ['5-backlog', 'teaching']]) {
  const html = path.join(work, lesson + '.html');
  execFileSync(cablesim, ['run', path.join(source, 'topologies', topology + '.textproto'), '--scenario',
    path.join(source, 'scenarios/lessons', lesson, 'scenario.textproto'), '--speedup', 'max', '--html', html],
  { stdio: ['ignore', 'ignore', 'inherit'] });
  pages.push([lesson, html]);
}
const corpus = process.env.CABLESIM_CORPUS || path.join(source, '..', 'shared', 'corpus');
if (existsSync(path.join(corpus, 'cables'))) {
  const topo = path.join(work, 'corpus-topology.textproto'), scenario = path.join(work, 'corpus-scenario.textproto');
  writeFileSync(topo, execFileSync(cablesim, ['corpus', 'topology', path.join(corpus, 'cables')], { stdio: ['ignore', 'pipe', 'ignore'] }));
  writeFileSync(scenario, execFileSync(cablesim, ['corpus', 'scenario', path.join(corpus, 'cables')], { stdio: ['ignore', 'pipe', 'ignore'] }));
  const html = path.join(work, 'corpus-replay.html');
  execFileSync(cablesim, ['run', topo, '--scenario', scenario, '--speedup', 'max', '--html', html],
    { stdio: ['ignore', 'ignore', 'ignore'] });
  pages.push(['corpus-replay', html]);
} else {
  console.log('SKIPPED: the corpus replay page (no corpus at ' + corpus + ')');
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  for (const [name, html] of pages) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto('file://' + html, { waitUntil: 'load' });
    await page.waitForSelector('#replay[data-ready="1"]', { timeout: 20000 });
    // every chart's text: its size as drawn, and whether its chart holds it whole
    const texts = await page.$$eval('svg', (svgs) => {
      const out = [];
      for (const svg of svgs) {
        const box = svg.getBoundingClientRect();
        const view = svg.viewBox.baseVal;
        if (!view || !view.width || !box.width) continue;
        const scale = box.width / view.width;
        for (const t of svg.querySelectorAll('text')) {
          if (!t.textContent.trim()) continue;
          const r = t.getBoundingClientRect();
          out.push({
            text: t.textContent.slice(0, 40), chart: svg.getAttribute('aria-label'),
            px: parseFloat(getComputedStyle(t).fontSize) * scale,
            inside: r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1,
          });
        }
      }
      return out;
    });
    check(texts.length > 20, name + ': ' + texts.length + ' chart texts measured');
    const smallest = texts.reduce((a, b) => (b.px < a.px ? b : a));
    check(smallest.px >= 16, name + ': the smallest chart text is ' + smallest.px.toFixed(1) + ' px ("' +
      smallest.text + '" in ' + smallest.chart + ')');
    const clipped = texts.filter((t) => !t.inside);
    check(clipped.length === 0, name + ': no chart text is clipped' +
      (clipped.length ? ': ' + clipped.slice(0, 5).map((t) => '"' + t.text + '" in ' + t.chart).join(', ') : ''));
    check(errors.length === 0, name + ': no page error' + (errors.length ? ': ' + errors.join('; ') : ''));
    await page.screenshot({ path: path.join(work, name + '.png'), fullPage: true });
    await page.close();
  }
} finally {
  await browser.close();
}
