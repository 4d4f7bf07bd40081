// Training guides in the browser: a mentor reads a required guide from the pair workspace,
// answers its check questions and marks it done, and the programme's admin sees it; an admin
// writes a guide, is told what to fix without losing the text, and the guide renders.
import { test, expect, Page } from './fixtures';
import { ADMIN, DESIGNER, PASSWORD, hydrated, signIn } from './helpers';

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** A programme of the admin's own with Mia mentoring the admin, paired by hand. */
async function programmeWithPair(page: Page, name: string): Promise<{ programme: number; pair: number }> {
  expect((await page.request.post('/api/sign_in', { form: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  const created = await page.request.post('/api/programmes/create', {
    data: { input: { name, objectives: '', tags: [], kind: 'reverse', starts_on: day(1), ends_on: day(100),
      enrol_opens: day(-1), enrol_closes: day(10), mentor_capacity: '1', self_match: false } },
  });
  expect(created.ok(), await created.text()).toBeTruthy();
  const programme = await created.json();
  const pair = await page.request.post('/api/pairs/create', { form: { programme_id: String(programme), mentor_email: DESIGNER, mentee_email: ADMIN } });
  expect(pair.ok(), await pair.text()).toBeTruthy();
  await page.request.post('/api/sign_out', { form: {} });
  return { programme, pair: await pair.json() };
}

test('a mentor reads a required guide and marks it done, and the admin sees it', async ({ browser }) => {
  const setup = await browser.newPage();
  const { programme, pair } = await programmeWithPair(setup, `Guided ${Date.now()}`);

  const mia = await browser.newPage();
  await signIn(mia, DESIGNER);
  await mia.goto(`/pairs/${pair}`);
  await hydrated(mia);
  const guides = mia.locator('section[aria-labelledby="guides-h"]');
  await expect(guides).toContainText('For you as mentor');
  const link = guides.getByRole('link', { name: 'Mentoring someone more senior' });
  await expect(link.locator('xpath=..')).toContainText('Required');
  await link.click();
  await expect(mia).toHaveURL(/\/guides\/\d+$/);
  await hydrated(mia);
  await expect(mia.getByRole('heading', { level: 1 })).toHaveText('Mentoring someone more senior');
  await expect(mia.getByRole('heading', { name: 'Sharing what you know' })).toBeVisible();

  // A wrong answer and a missing one are refused at their questions; the choice made stays.
  const first = mia.getByRole('group', { name: /^1\. Where should a session start/ });
  const second = mia.getByRole('group', { name: /^2\. A meeting keeps being cancelled/ });
  await first.getByLabel('From the features of the tool').check();
  await mia.getByRole('button', { name: 'Mark as done' }).click();
  await expect(first.locator('.error')).toContainText('Not quite');
  await expect(second.locator('.error')).toHaveText('Choose an answer.');
  await expect(first.getByLabel('From the features of the tool')).toBeChecked();

  await first.getByLabel("From your mentee's own work and what takes them longest").check();
  await second.getByLabel('Raise a roadblock from the workspace').check();
  await mia.getByRole('button', { name: 'Mark as done' }).click();
  await expect(mia.locator('.form-status.ok')).toContainText('Marked as done');
  await mia.goto(`/pairs/${pair}`);
  await hydrated(mia);
  await expect(guides.getByRole('listitem').filter({ hasText: 'Mentoring someone more senior' })).toContainText('Done');

  const admin = await browser.newPage();
  await signIn(admin, ADMIN);
  await admin.goto(`/programmes/${programme}/manage`);
  await hydrated(admin);
  const training = admin.locator('section[aria-labelledby="training-h"]');
  await expect(training).toContainText('Required guides done: 1 of 1 mentors, 0 of 1 mentees.');
  await expect(training.getByRole('row').filter({ hasText: 'Mentoring someone more senior' })).toContainText('1 of 1');
  await expect(training.locator('.training-behind')).toContainText('Alex Morgan');
  await admin.goto(`/programmes/${programme}/insights`);
  await hydrated(admin);
  await expect(admin.locator('section[aria-labelledby="training-h"]')).toContainText('Required guides done: 1 of 1 mentors');
});

test('an admin writes a guide: faults are shown at their fields, the text is kept, the guide renders', async ({ page }) => {
  const { programme } = await programmeWithPair(page, `Written ${Date.now()}`);
  await signIn(page, ADMIN);
  await page.goto(`/programmes/${programme}/guides`);
  await hydrated(page);
  await page.getByRole('link', { name: 'Add a guide' }).click();
  await expect(page).toHaveURL(new RegExp(`/programmes/${programme}/guides/new$`));
  await hydrated(page);
  await page.getByLabel('Title').fill('Our meeting rooms');
  await page.getByLabel('Text (Markdown)').fill('## Where to meet\n\n- The **quiet room** on floor 3\n- A [video link](https://meet.example.test)');
  await page.getByLabel('Question 1', { exact: true }).fill('Where is the quiet room?');
  await page.getByLabel('Options of question 1, one per line').fill('Floor 3\nFloor 9');
  await page.getByLabel('Right option of question 1 (its line number)').fill('7');
  await page.getByRole('button', { name: 'Save the guide' }).click();
  await expect(page.locator('#f-q1_answer-err')).toContainText('Give the number of the right option');
  await expect(page.getByLabel('Title')).toHaveValue('Our meeting rooms');
  await expect(page.getByLabel('Text (Markdown)')).toHaveValue(/quiet room/);

  await page.getByLabel('Right option of question 1 (its line number)').fill('1');
  await page.getByRole('button', { name: 'Save the guide' }).click();
  await expect(page).toHaveURL(/\/guides\/\d+$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 2, name: 'Where to meet' })).toBeVisible();
  await expect(page.locator('.guide-body strong')).toHaveText('quiet room');
  await expect(page.getByRole('link', { name: 'video link' })).toHaveAttribute('rel', 'noopener noreferrer');
  await expect(page.getByRole('group', { name: /^1\. Where is the quiet room/ })).toBeVisible();
});
