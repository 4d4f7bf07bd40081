import { test, expect } from './fixtures';
import { DESIGNER, MENTOR, PASSWORD, hydrated, signIn } from './helpers';

test('a wrong password is refused with a clear message and the typing is kept', async ({ page }) => {
  await page.goto('/signin');
  await hydrated(page);
  await page.getByLabel('Work email').fill(MENTOR);
  await page.getByLabel('Password').fill('not my password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('#f-password-err')).toHaveText('That email and password do not match.');
  await expect(page.getByLabel('Work email')).toHaveValue(MENTOR);
  await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
});

test('sign in, edit the profile, reload and see it kept', async ({ page }) => {
  await signIn(page, DESIGNER);
  await page.getByRole('link', { name: 'My profile' }).click();
  await expect(page.getByLabel('Job title')).toHaveValue(/Associate|Junior|Analyst|Specialist/);
  // The profile editor comes with the full build: the link loads the page afresh.
  await hydrated(page);
  await page.getByLabel('Job title').fill('Product designer and photographer');
  const teach = page.locator('fieldset[data-kind="teach"]');
  await teach.getByRole('button', { name: 'Add' }).click();
  await teach.getByPlaceholder('Skill').last().fill('Photo storytelling');
  await teach.locator('select').last().selectOption('5');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Your profile is saved.')).toBeVisible();

  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('Job title')).toHaveValue('Product designer and photographer');
  await expect(teach.getByPlaceholder('Skill').last()).toHaveValue('Photo storytelling');
  await expect(teach.locator('select').last()).toHaveValue('5');
});

test('a refused save shows the message at the field and keeps every other value', async ({ page }) => {
  await signIn(page, DESIGNER);
  await page.goto('/profile');
  await hydrated(page);
  await page.getByLabel('Location').fill('Lisbon office');
  await page.getByLabel('Name').fill('');
  await page.getByLabel("Manager's email").fill('not-an-email');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.locator('#f-name-err')).toHaveText('Name is required.');
  await expect(page.locator('#f-manager_email-err')).toContainText('Enter an email address');
  await expect(page.getByLabel('Location')).toHaveValue('Lisbon office');
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('Name')).toHaveValue('Mia Tanaka');
});

test('signing out ends the session', async ({ page }) => {
  await signIn(page, MENTOR);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
  await page.goto('/profile');
  // The server answers with the notice; once hydrated the page moves on to the sign-in form,
  // coming back to the profile afterwards (which of the two a check sees first is a race).
  await expect(page).toHaveURL(/\/signin\?next=%2Fprofile$/);
  await expect(page.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
  await expect(page.getByLabel('Name')).toHaveCount(0);
});

// After signing in the page follows `next` only to a path on this site.
for (const next of ['/\\evil.example', '/\t/evil.example', '//evil.example', 'https://evil.example', 'javascript:alert(1)', '/people']) {
  test(`after signing in, next=${JSON.stringify(next)} stays on this site`, async ({ page, baseURL }) => {
    await page.goto(`/signin?next=${encodeURIComponent(next)}`);
    await hydrated(page);
    await page.getByLabel('Work email').fill(MENTOR);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    const expected = next === '/people' ? '/people' : '/';
    await expect(page).toHaveURL(new URL(expected, baseURL).toString());
  });
}
