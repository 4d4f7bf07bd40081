// The browser half comes in two builds (src/app.rs, HEAVY_ROUTES): everyday pages load the
// light one; the studio, the manage page, insights, the pair workspace and the admin's tools
// load the full one, also when reached by a link from a light page.
import { test, expect, Page } from './fixtures';
import { ADMIN, createProgramme, hydrated, signIn } from './helpers';

function watchBuilds(page: Page): string[] {
  const loaded: string[] = [];
  page.on('request', r => {
    const path = new URL(r.url()).pathname;
    const m = path.match(/^\/pkg\/(upmentor(?:-lite)?)\.[0-9a-f]{16}\.wasm$/);
    if (m) loaded.push(m[1]);
  });
  return loaded;
}

test('everyday pages load the light build; a link to a heavy page loads the full build, which works', async ({ page }) => {
  const builds = watchBuilds(page);
  await signIn(page, ADMIN);
  const id = await createProgramme(page, 'Two builds');
  builds.length = 0;

  await page.goto('/programmes');
  await hydrated(page);
  await page.goto('/people');
  await hydrated(page);
  expect(builds, 'the directory and the programmes list load the light build').toEqual(['upmentor-lite', 'upmentor-lite']);

  // A link from a light page to the studio: the browser loads the studio afresh, with the full
  // build, and it works.
  await page.goto('/programmes');
  await hydrated(page);
  builds.length = 0;
  await page.locator('article.programme', { hasText: 'Two builds' }).getByRole('link', { name: 'Matching studio' }).click();
  await expect(page).toHaveURL(new RegExp(`/programmes/${id}/studio$`));
  await expect.poll(() => builds).toContain('upmentor');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: /^Matching studio: Two builds/ })).toBeVisible();
  expect(builds.filter(b => b === 'upmentor-lite'), 'the light build is not loaded again').toEqual([]);
  // One history entry for the studio: Back returns to the programmes list, Forward to the studio.
  await page.goBack();
  await expect(page).toHaveURL(/\/programmes$/);
  await expect(page.locator('article.programme', { hasText: 'Two builds' })).toBeVisible();
  await page.goForward();
  await expect(page).toHaveURL(new RegExp(`/programmes/${id}/studio$`));
  await hydrated(page);
  await expect(page.getByRole('heading', { name: /^Matching studio: Two builds/ })).toBeVisible();

  // From the full build, links to light pages stay in the page (no new build is loaded).
  builds.length = 0;
  await page.getByRole('link', { name: 'Programme', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/programmes/${id}/manage$`));
  await expect(page.getByRole('heading', { name: /Two builds/ }).first()).toBeVisible();
  await page.locator('.nav-links').getByRole('link', { name: 'People' }).click();
  await expect(page).toHaveURL(/\/people$/);
  await expect(page.locator('main')).toContainText(/people/i);
  expect(builds, 'client-side navigation loads nothing').toEqual([]);
});
