import { expect, Page } from './fixtures';

export const PASSWORD = 'upmentor-demo-2026';
export const ADMIN = 'admin@demo.upmentor.test';
export const MENTOR = 'dana.analyst@demo.upmentor.test';
export const MENTEE = 'victor.sales@demo.upmentor.test';
export const DESIGNER = 'mia.designer@demo.upmentor.test';

/** Waits until the browser half has taken over the server-rendered page, and checks that it
 *  did not panic while doing so (a page can look complete and still be dead). */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"], body[data-panic]')).toHaveCount(1);
  await expect(page.locator('body[data-panic]'), 'the browser half did not panic').toHaveCount(0);
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto('/signin');
  await hydrated(page);
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** Creates a reverse-mentoring programme with the form's defaults; returns its id. */
export async function createProgramme(page: Page, name: string): Promise<string> {
  await page.goto('/programmes/new');
  await hydrated(page);
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create programme' }).click();
  await expect(page).toHaveURL(/\/programmes\/\d+\/manage$/);
  await hydrated(page);
  return page.url().match(/programmes\/(\d+)\//)![1];
}

/** Enrols everyone in a level range from the directory, on a programme's manage page. */
export async function enrolByLevel(page: Page, role: 'Mentors' | 'Mentees', low: string, high: string) {
  const panel = page.locator('section[aria-labelledby="bulk-h"]');
  await panel.getByLabel('As', { exact: true }).selectOption({ label: role });
  await panel.getByLabel('Lowest level').fill(low);
  await panel.getByLabel('Highest level').fill(high);
  await panel.getByRole('button', { name: 'Enrol everyone who fits' }).click();
  const expected = role === 'Mentors' ? 'mentors' : 'mentees';
  await expect(panel.locator('.form-status')).toContainText(new RegExp(`\\d+ enrolled as ${expected}`));
}
