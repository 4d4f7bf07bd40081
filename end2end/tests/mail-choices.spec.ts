// Choosing which notices also come by mail, on the profile page.
import { test, expect } from './fixtures';
import { MENTEE, hydrated, signIn } from './helpers';

test('a person turns check-in mail off and the choice stays', async ({ page }) => {
  await signIn(page, MENTEE);
  await page.goto('/profile');
  await hydrated(page);
  const panel = page.locator('section[aria-labelledby="mail-h"]');
  const checkins = panel.getByLabel('Check-ins and their reminders');
  await expect(checkins).toBeChecked();
  await expect(panel.getByLabel('Matches and mentor requests')).toBeChecked();
  await checkins.uncheck();
  await panel.getByRole('button', { name: 'Save mail choices' }).click();
  await expect(panel.locator('.form-status')).toContainText('Saved.');
  await page.reload();
  await hydrated(page);
  await expect(panel.getByLabel('Check-ins and their reminders')).not.toBeChecked();
  await expect(panel.getByLabel('Matches and mentor requests')).toBeChecked();
});
