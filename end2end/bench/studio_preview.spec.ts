// Time from a weight slider's input event to the updated pairs table, in the matching studio,
// for a programme that enrols the whole demo organisation (juniors mentor, seniors are mentored).
import { test, expect } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { ADMIN, createProgramme, enrolByLevel, hydrated, signIn } from '../tests/helpers';

test('studio preview update time', async ({ page }) => {
  await signIn(page, ADMIN);
  const id = await createProgramme(page, 'Benchmark');
  await enrolByLevel(page, 'Mentors', '1', '3');
  await enrolByLevel(page, 'Mentees', '4', '10');
  // The pool as the studio gets it, for profiling the engine outside the browser.
  if (process.env.STUDIO_POOL_OUT) {
    const data = await (await page.request.post('/api/studio/data', { form: { id: String(id) } })).json();
    writeFileSync(process.env.STUDIO_POOL_OUT, JSON.stringify(data.problem));
  }
  const loadStart = Date.now();
  await page.goto(`/programmes/${id}/studio`);
  await hydrated(page);
  const hydratedMs = Date.now() - loadStart;
  await expect(page.locator('#pairs-table')).toHaveAttribute('data-updates', '1');
  const firstPreviewMs = Date.now() - loadStart;
  // The engine's own time, as the page shows it ("Computed in … ms": the worker's time).
  const engineMs = async () => Number((await page.locator('#preview-ms').textContent())!.replace(/[^0-9.]/g, ''));
  const firstEngineMs = await engineMs();
  const pool = (await page.locator('main > p.muted').first().textContent())!.trim();

  // Long tasks on the page's main thread while the sliders move (Chromium's Long Tasks API
  // reports every task over 50 ms).
  await page.evaluate(() => {
    (window as any).__long = [];
    new PerformanceObserver(list => { for (const e of list.getEntries()) (window as any).__long.push(e.duration); })
      .observe({ type: 'longtask' });
  });
  const samples: number[] = [];
  const frames: number[] = [];
  const engine: number[] = [];
  for (let i = 0; i < 25; i++) {
    const value = String((i % 10) + (i % 2 ? 0.5 : 0));
    const [dom, frame] = await page.evaluate(async (v) => {
      const table = document.querySelector('#pairs-table') as HTMLElement;
      const slider = document.querySelector('#w-2') as HTMLInputElement;
      const before = table.dataset.updates;
      const t0 = performance.now();
      slider.value = v;
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise<void>(resolve => {
        const obs = new MutationObserver(() => {
          if (table.dataset.updates !== before) { obs.disconnect(); resolve(); }
        });
        obs.observe(table, { attributes: true });
      });
      const dom = performance.now() - t0;
      await new Promise<void>(r => requestAnimationFrame(() => r()));
      return [dom, performance.now() - t0];
    }, value);
    if (i >= 5) { samples.push(dom); frames.push(frame); engine.push(await engineMs()); }
  }
  const longTasks: number[] = await page.evaluate(() => (window as any).__long);
  const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
  const report = {
    people: Number(process.env.UPMENTOR_BENCH_PEOPLE ?? 1000),
    pool,
    first_preview_ms_incl_page_load: firstPreviewMs,
    hydrated_ms_incl_page_load: hydratedMs,
    first_preview_engine_ms: firstEngineMs,
    update_engine_ms: { median: q(engine, 0.5), p90: q(engine, 0.9) },
    main_thread_long_tasks_while_sliding: { count: longTasks.length, max_ms: Math.max(0, ...longTasks) },
    update_ms: { median: q(samples, 0.5), p90: q(samples, 0.9), max: Math.max(...samples) },
    update_to_next_frame_ms: { median: q(frames, 0.5), p90: q(frames, 0.9), max: Math.max(...frames) },
    samples: samples.length,
  };
  console.log(JSON.stringify(report));
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, JSON.stringify(report, null, 2));
});
