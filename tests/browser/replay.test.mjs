// The replay page in a real browser: headless Chromium (Debian's chromium) driven by
// puppeteer-core. Runs lesson 1 with the real cablesim binary, loads its page and checks that
// it loads without a console error, plays, pauses, steps both ways, filters, and that the
// selected event shows the FL2 the run's own report gives for it.
//
//   node tests/browser/replay.test.mjs CABLESIM SOURCE_DIR WORK_DIR
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const [cablesim, source, work] = process.argv.slice(2);
mkdirSync(work, { recursive: true });
const html = path.join(work, 'lesson1.html'), json = path.join(work, 'lesson1.json');
execFileSync(cablesim, ['run', path.join(source, 'topologies/teaching.textproto'), '--scenario',
  path.join(source, 'scenarios/lessons/1-flash-preemption/scenario.textproto'), '--speedup', 'max',
  '--html', html, '--report', json], { stdio: ['ignore', 'ignore', 'inherit'] });
const report = JSON.parse(readFileSync(json, 'utf8'));

function check(ok, what) {
  if (!ok) throw new Error('FAILED: ' + what);
  console.log('ok: ' + what);
}

// What the page must show, from the run's report
const flashStarts = report.replay.filter((e) => e.kind === 'START' && e.precedence === 'FLASH');
check(flashStarts.length > 0, 'the run has FLASH transmissions (' + flashStarts.length + ')');
const atRelay = flashStarts.find((e) => report.network.stations.some((s) => s.ri === e.station && s.role === 'RELAY'));
check(atRelay !== undefined, 'a FLASH leaves a relay: ' + atRelay.text);
const arrived = report.replay.filter((e) => e.kind === 'RECEIVED' && e.station === atRelay.station &&
  e.message_id === atRelay.message_id).pop();
const cut = report.replay.find((e) => e.kind === 'CANCEL' && e.at === atRelay.at && e.station === atRelay.station);

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const problems = [];
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('requestfailed', (r) => problems.push('request failed: ' + r.url()));
  page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push('fetched ' + r.url()); });
  await page.goto('file://' + html, { waitUntil: 'load' });
  await page.waitForSelector('#replay[data-ready="1"]', { timeout: 10000 });
  const state = () => page.$eval('#replay', (r) => ({ ...r.dataset }));
  const atStart = report.replay.filter((e) => e.at === 0).length;
  check(Number((await state()).cursor) === atStart - 1, 'the replay starts at the epoch, after the ' + atStart +
    ' events of that instant');
  check(Number((await state()).shown) === report.replay.length, 'the list holds every event of the run');

  // play at 600× until events have passed, then pause
  await page.select('#speed', '600');
  await page.click('#play');
  await page.waitForFunction(() => Number(document.querySelector('#replay').dataset.cursor) > 50, { timeout: 20000 });
  await page.click('#play');
  const paused = await state();
  check(paused.playing === '0' && Number(paused.cursor) > 50, 'play moves the clock on, pause stops it (event ' +
    paused.cursor + ', ' + (await page.$eval('#clock', (c) => c.textContent)) + ')');

  // step forward, then back: one event each way
  await page.click('#step-fwd');
  const forward = Number((await state()).selected);
  check(forward === Number(paused.cursor) + 1, 'step forward selects the next event (' + forward + ')');
  await page.click('#step-back');
  check(Number((await state()).selected) === forward - 1, 'step back selects the one before');

  // filter: FLASH transmission starts only
  await page.select('#filter-kind', 'start');
  await page.select('#filter-prec', '4');
  check(Number((await state()).shown) === flashStarts.length, 'the filters leave the ' + flashStarts.length +
    ' FLASH transmission starts');
  const rows = await page.$$eval('#events tr', (trs) => trs.map((tr) => tr.textContent));
  check(rows.length === flashStarts.length, 'the list shows them');

  // select the FLASH leaving the relay: the FL2 shown is the report's, and the copy as it arrived
  const index = report.replay.indexOf(atRelay);
  await page.click('#events tr[data-i="' + index + '"]');
  check(Number((await state()).selected) === index, 'clicking a row selects its event');
  const fl2 = await page.$eval('#detail-fl2', (e) => e.textContent);
  check(fl2 === atRelay.fl2, 'the selected event shows FL2 "' + fl2 + '" as it leaves ' + atRelay.station);
  check((await page.$eval('#detail-fl1', (e) => e.textContent)) === atRelay.fl1, 'and its new FL1 ' + atRelay.fl1);
  check((await page.$eval('#detail-fl1-in', (e) => e.textContent)) === arrived.fl1,
    'and the FL1 it arrived with, ' + arrived.fl1);
  const explained = await page.$eval('#detail pre', (e) => e.textContent);
  check(explained.includes('FL3'), 'the rest of the cable is explained line by line');
  const moving = Number((await state()).moving);
  check(moving >= 1, 'the map shows ' + moving + ' transmission(s) on the lines at that instant');
  if (cut) {
    const marks = await page.$$eval('#map .rp-cut', (c) => c.length);
    check(marks >= 1, 'and the ROUTINE it preempted, cut short (' + cut.text + ')');
  }
  const queues = await page.$eval('#queues', (q) => q.textContent);
  check(queues.includes('ROUTINE'), 'the queues show ROUTINE copies waiting: ' + queues);
  await page.screenshot({ path: path.join(work, 'lesson1-replay.png'), fullPage: false });
  check(problems.length === 0, 'no console error, page error or fetch' + (problems.length ? ': ' + problems.join('; ') : ''));
} finally {
  await browser.close();
}
