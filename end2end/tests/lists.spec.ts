// Long lists come a page at a time from the server, searched, filtered and sorted there: the
// manage page of the 500-person demo programme (hundreds of people, over a hundred pairs).
import { test, expect } from './fixtures';
import { checkDecideEveryone, checkManageLists } from './lists';

test('the manage page lists people and pairs a page at a time, searched and sorted on the server', async ({ page }) => {
  await checkManageLists(page, true);
});

test('everyone waiting whom the filter matches is decided at once', async ({ page, baseURL }) => {
  await checkDecideEveryone(page, baseURL!, true);
});
