import type { WebSocketRoute } from '@playwright/test';
import { test, expect, Page } from './fixtures';
import { ADMIN, MENTEE, MENTOR, createProgramme, hydrated, signIn } from './helpers';

async function openWorkspace(page: Page, programme: string) {
  await page.goto('/matches');
  await hydrated(page);
  await page.locator('article.match', { hasText: programme }).getByRole('link', { name: 'Open the workspace' }).click();
  await expect(page).toHaveURL(/\/pairs\/\d+$/);
  await hydrated(page);
  await expect(page.locator('[data-connected="true"]')).toHaveCount(1);
}

test('mentor and mentee chat live, share goals, schedule a check-in, give feedback, and lose nothing offline', async ({ browser }) => {
  const admin = await browser.newPage();
  await signIn(admin, ADMIN);
  await createProgramme(admin, 'Workspace pilot');
  const byHand = admin.locator('section[aria-labelledby="by-hand-h"]');
  await byHand.getByLabel("Mentor's email").fill(MENTOR);
  await byHand.getByLabel("Mentee's email").fill(MENTEE);
  await byHand.getByRole('button', { name: 'Create the pair' }).click();
  await expect(byHand.locator('.form-status')).toContainText('Paired.');
  await admin.close();

  const dana = await (await browser.newContext()).newPage();
  const victorContext = await browser.newContext();
  const victor = await victorContext.newPage();
  // Victor's chat connection goes through a switch the test can open and close.
  let down = false;
  let live: WebSocketRoute | undefined;
  await victor.routeWebSocket(/\/ws\/pairs\//, ws => {
    if (down) { ws.close(); return; }
    ws.connectToServer();
    live = ws;
  });
  await signIn(dana, MENTOR);
  await signIn(victor, MENTEE);
  await openWorkspace(dana, 'Workspace pilot');
  await openWorkspace(victor, 'Workspace pilot');

  // Live messages both ways.
  await dana.getByLabel('Message', { exact: true }).fill('Hi Victor, shall we start with LinkedIn?');
  await dana.getByLabel('Message', { exact: true }).press('Enter');
  await expect(victor.locator('.messages li', { hasText: 'shall we start with LinkedIn' })).toHaveCount(1);
  await victor.getByLabel('Message', { exact: true }).fill('Yes please!');
  await victor.getByRole('button', { name: 'Send' }).click();
  await expect(dana.locator('.messages li', { hasText: 'Yes please!' })).toHaveCount(1);

  // A goal set by one, a milestone ticked by the other, seen by the first.
  await victor.getByText('Add a goal').click();
  await victor.getByLabel('What (the goal)').fill('Post weekly on LinkedIn');
  await victor.getByLabel('How it is measured').fill('Four posts in a month');
  await victor.getByLabel('Milestones, one per line').fill('Polish my profile\nFirst post');
  await victor.getByRole('button', { name: 'Add goal' }).click();
  await expect(victor.locator('.goal', { hasText: 'Post weekly on LinkedIn' })).toBeVisible();
  await dana.reload();
  await hydrated(dana);
  const goal = dana.locator('.goal', { hasText: 'Post weekly on LinkedIn' });
  await goal.getByLabel('Polish my profile').check();
  await expect(goal).toContainText('50%');
  await victor.reload();
  await hydrated(victor);
  await expect(victor.locator('.goal', { hasText: 'Post weekly on LinkedIn' }).getByLabel('Polish my profile')).toBeChecked();

  // Schedule a check-in; a wrong time is refused at its field and the typing kept.
  const inTwoDays = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  // Open while nothing is scheduled yet.
  await expect(dana.locator('details.add', { hasText: 'Schedule a check-in' })).toHaveAttribute('open', '');
  await dana.getByLabel('Date', { exact: true }).fill(inTwoDays);
  await dana.getByLabel('Minutes', { exact: true }).fill('0');
  await dana.getByLabel('Agenda, one item per line').fill('Review the profile');
  await dana.getByRole('button', { name: 'Schedule' }).click();
  await expect(dana.locator('#f-minutes-err')).toContainText('5 to 480');
  await expect(dana.getByLabel('Agenda, one item per line')).toHaveValue('Review the profile');
  await dana.getByLabel('Time (your timezone)').fill('10:00');
  await dana.getByLabel('Minutes', { exact: true }).fill('45');
  await dana.getByRole('button', { name: 'Schedule' }).click();
  const checkin = dana.locator('.checkin').first();
  await expect(checkin).toContainText('10:00 (Europe/London)');
  await expect(checkin).toContainText('America/New_York');
  await checkin.getByRole('button', { name: 'Mark held' }).click();
  const feedback = dana.locator('form.feedback').first();
  await feedback.getByLabel('4', { exact: true }).check();
  await feedback.getByLabel('Good', { exact: true }).check();
  await feedback.getByRole('button', { name: 'Send feedback' }).click();
  await expect(dana.locator('form.feedback').first()).toContainText('Your feedback');

  // Victor's connection drops; what he sends meanwhile arrives exactly once when it is back.
  await expect(victor.locator('[data-connected="true"]')).toHaveCount(1);
  down = true;
  await live!.close();
  await expect(victor.locator('[data-connected="false"]')).toHaveCount(1);
  await victor.getByLabel('Message', { exact: true }).fill('Sent while offline');
  await victor.getByRole('button', { name: 'Send' }).click();
  await expect(victor.locator('.messages li.pending', { hasText: 'Sent while offline' })).toHaveCount(1);
  await dana.waitForTimeout(1500);
  await expect(dana.locator('.messages li', { hasText: 'Sent while offline' })).toHaveCount(0);
  down = false;
  await expect(victor.locator('[data-connected="true"]')).toHaveCount(1);
  await expect(dana.locator('.messages li', { hasText: 'Sent while offline' })).toHaveCount(1);
  await expect(victor.locator('.messages li', { hasText: 'Sent while offline' })).toHaveCount(1);
  await expect(victor.locator('.messages li.pending')).toHaveCount(0);
  await dana.reload();
  await hydrated(dana);
  await expect(dana.locator('.messages li', { hasText: 'Sent while offline' })).toHaveCount(1);

  // Signing out in another tab closes the chat here at once, says why, and it stays closed.
  await expect(dana.locator('[data-connected="true"]')).toHaveCount(1);
  const danaTab = await dana.context().newPage();
  await danaTab.goto('/');
  await hydrated(danaTab);
  await danaTab.getByRole('button', { name: 'Sign out' }).click();
  await expect(dana.getByRole('alert').filter({ hasText: 'Your session has ended' })).toBeVisible();
  await expect(dana.locator('[data-connected="false"]')).toHaveCount(1);
  await dana.waitForTimeout(3000);
  await expect(dana.locator('[data-connected="false"]')).toHaveCount(1);
});
