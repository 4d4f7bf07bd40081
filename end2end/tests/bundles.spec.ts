// The browser half comes in two builds (src/app.rs, HEAVY_ROUTES): the pages people arrive on
// (sign-in and the account pages, home, the directory, someone's profile) load the light one;
// every page with work to do (editing one's own profile, programmes, matches, inbox, guides,
// the workspace, the admin's tools) loads the full one, also when reached by a link from a
// light page.
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

test('entry pages load the light build; a link to a heavy page loads the full build, which works', async ({ page }) => {
  const builds = watchBuilds(page);
  await signIn(page, ADMIN);
  const id = await createProgramme(page, 'Two builds');
  builds.length = 0;

  await page.goto('/');
  await hydrated(page);
  await page.goto('/people');
  await hydrated(page);
  const profile = await page.locator('main a[href^="/people/"]').first().getAttribute('href');
  await page.goto(profile!);
  await hydrated(page);
  expect(builds, 'home, the directory and a profile load the light build').toEqual(['upmentor-lite', 'upmentor-lite', 'upmentor-lite']);

  // A link from a light page to a heavy one: the browser loads the programmes list afresh, with
  // the full build, and it works.
  await page.goto('/people');
  await hydrated(page);
  builds.length = 0;
  await page.locator('.nav-links').getByRole('link', { name: 'Programmes' }).click();
  await expect(page).toHaveURL(/\/programmes$/);
  await expect.poll(() => builds).toContain('upmentor');
  await hydrated(page);
  await expect(page.locator('article.programme', { hasText: 'Two builds' })).toBeVisible();
  expect(builds.filter(b => b === 'upmentor-lite'), 'the light build is not loaded again').toEqual([]);
  // One history entry for the list: Back returns to the directory, Forward to the list.
  await page.goBack();
  await expect(page).toHaveURL(/\/people$/);
  await expect(page.getByRole('heading', { name: 'People', level: 1 })).toBeVisible();
  await page.goForward();
  await expect(page).toHaveURL(/\/programmes$/);
  await hydrated(page);

  // From the full build, links stay in the page (no new build is loaded), to heavy pages and
  // light ones alike.
  builds.length = 0;
  await page.locator('article.programme', { hasText: 'Two builds' }).getByRole('link', { name: 'Matching studio' }).click();
  await expect(page).toHaveURL(new RegExp(`/programmes/${id}/studio$`));
  await expect(page.getByRole('heading', { name: /^Matching studio: Two builds/ })).toBeVisible();
  await page.getByRole('link', { name: 'Programme', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/programmes/${id}/manage$`));
  await expect(page.getByRole('heading', { name: /Two builds/ }).first()).toBeVisible();
  await page.locator('.nav-links').getByRole('link', { name: 'People' }).click();
  await expect(page).toHaveURL(/\/people$/);
  await expect(page.getByRole('heading', { name: 'People', level: 1 })).toBeVisible();
  expect(builds, 'client-side navigation loads nothing').toEqual([]);
});
