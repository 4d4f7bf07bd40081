// The manage page's paged lists without JavaScript: paging links and the search forms are plain
// links and GET forms, so they work before (or without) the browser half.
import { test } from './fixtures';
import { checkDecideEveryone, checkManageLists } from './lists';

test('the manage page pages, searches and sorts its lists with JavaScript off', async ({ page }) => {
  await checkManageLists(page, false);
});

test('everyone waiting whom the filter matches is decided at once, with JavaScript off', async ({ page, baseURL }) => {
  await checkDecideEveryone(page, baseURL!, false);
});
