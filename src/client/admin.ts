/**
 * The admin page: users (search, create, edit, password, active/staff/superuser, groups) and
 * groups (create, rename, delete, members), through the JSON admin routes, which check every
 * change (policies) and write the audit lines.
 */
import { getJson, sendJson } from './api.js';
import { confirmAction, openDialog, showMessage } from './dialogs.js';
import { byId, el, pageData, showText } from './dom.js';
import { localTime } from './time.js';

interface User {
  id: number; username: string; email: string; is_active: boolean; is_staff: boolean; is_superuser: boolean;
  source: string; has_password: boolean; last_login: string | null; groups: string[];
}
interface Group { id: number; name: string; members: Array<{ id: number; username: string }> }

let users: User[] = [];
let groups: Group[] = [];
let editingUser: User | null = null;
let editingGroup: Group | null = null;
const mayGrant = (): boolean => pageData().mayGrant === 'yes';

function say(text: string): void {
  byId('admin-message').textContent = text;
}

function yesNo(v: boolean): HTMLElement {
  return el('span', { class: v ? 'yes' : 'no' }, v ? 'yes' : 'no');
}

function groupChoices(container: Element, checked: string[]): void {
  container.replaceChildren(...groups.map((g) => el('label', {}, el('input', { type: 'checkbox', name: 'group', value: g.name, checked: checked.includes(g.name) }), ` ${g.name}`)));
  if (groups.length === 0) {
    container.append(el('span', { class: 'hint' }, 'No groups yet.'));
  }
}

function checkedGroups(form: HTMLFormElement): string[] {
  return Array.from(form.querySelectorAll<HTMLInputElement>('input[name="group"]:checked')).map((i) => i.value);
}

function flag(form: HTMLFormElement, name: string): HTMLInputElement {
  return form.querySelector(`input[name="${name}"]`) as HTMLInputElement;
}

function renderUsers(): void {
  const q = byId<HTMLInputElement>('user-q').value.trim().toLowerCase();
  const shown = users.filter((u) => !q || u.username.toLowerCase().includes(q) || u.email.toLowerCase().includes(q) || u.groups.some((g) => g.toLowerCase().includes(q)));
  const tbody = byId('users').querySelector('tbody') as HTMLTableSectionElement;
  tbody.replaceChildren(...shown.map((u) => {
    const edit = el('button', { type: 'button', class: 'small', 'aria-label': `Edit user ${u.username}` }, 'Edit');
    edit.addEventListener('click', () => openUser(u));
    const toggle = el('button', { type: 'button', class: 'small', 'aria-label': `${u.is_active ? 'Deactivate' : 'Activate'} user ${u.username}` }, u.is_active ? 'Deactivate' : 'Activate');
    toggle.addEventListener('click', () => void setActive(u, !u.is_active));
    const del = el('button', { type: 'button', class: 'small danger', 'aria-label': `Delete user ${u.username}` }, 'Delete');
    del.addEventListener('click', () => void deleteUser(u));
    return el('tr', { 'data-username': u.username },
      el('td', {}, u.username), el('td', {}, u.email), el('td', {}, yesNo(u.is_active)), el('td', {}, yesNo(u.is_staff)),
      el('td', {}, yesNo(u.is_superuser)), el('td', {}, u.groups.join(', ')),
      el('td', {}, u.last_login ? localTime(new Date(u.last_login)) : 'never'),
      el('td', { class: 'actions' }, edit, toggle, del));
  }));
  if (shown.length === 0) {
    tbody.append(el('tr', {}, el('td', { colspan: '8' }, q ? 'No user matches the search.' : 'No users yet.')));
  }
}

function renderGroups(): void {
  const tbody = byId('groups').querySelector('tbody') as HTMLTableSectionElement;
  tbody.replaceChildren(...groups.map((g) => {
    const edit = el('button', { type: 'button', class: 'small', 'aria-label': `Edit group ${g.name}` }, 'Edit');
    edit.addEventListener('click', () => openGroup(g));
    const del = el('button', { type: 'button', class: 'small danger', 'aria-label': `Delete group ${g.name}` }, 'Delete');
    del.addEventListener('click', () => void deleteGroup(g));
    return el('tr', { 'data-group': g.name }, el('td', {}, g.name), el('td', {}, g.members.map((m) => m.username).join(', ')), el('td', { class: 'actions' }, edit, del));
  }));
  if (groups.length === 0) {
    tbody.append(el('tr', {}, el('td', { colspan: '3' }, 'No groups yet.')));
  }
  groupChoices(byId('user-create').querySelector('.group-choices') as Element, checkedGroups(byId<HTMLFormElement>('user-create')));
  byId('usernames').replaceChildren(...users.map((u) => el('option', { value: u.username })));
}

async function load(): Promise<void> {
  [users, groups] = await Promise.all([getJson<User[]>('/admin/users'), getJson<Group[]>('/admin/groups')]);
  renderUsers();
  renderGroups();
}

async function guarded(what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    showMessage(`Could not ${what}`, (e as Error).message);
  }
  await load().catch(() => undefined);
}

function setActive(u: User, active: boolean): Promise<void> {
  return guarded(`${active ? 'activate' : 'deactivate'} ${u.username}`, async () => {
    await sendJson('PATCH', `/admin/users/${u.id}`, { is_active: active });
    say(`User ${u.username} was ${active ? 'activated' : 'deactivated'}.`);
  });
}

async function deleteUser(u: User): Promise<void> {
  if (await confirmAction(`Delete user ${u.username}?`, `The account ${u.username} will be deleted; their calculations stay, recorded under that name.`, 'Delete')) {
    await guarded(`delete ${u.username}`, async () => {
      await sendJson('DELETE', `/admin/users/${u.id}`);
      say(`User ${u.username} was deleted.`);
    });
  }
}

async function deleteGroup(g: Group): Promise<void> {
  if (await confirmAction(`Delete group ${g.name}?`, `The group ${g.name} will be deleted; its members stay, without it.`, 'Delete')) {
    await guarded(`delete group ${g.name}`, async () => {
      await sendJson('DELETE', `/admin/groups/${g.id}`);
      say(`Group ${g.name} was deleted.`);
    });
  }
}

function openUser(u: User): void {
  editingUser = u;
  const form = byId<HTMLFormElement>('user-edit');
  form.reset();
  byId('user-dialog-title').textContent = `Edit user ${u.username}`;
  (form.elements.namedItem('email') as HTMLInputElement).value = u.email;
  flag(form, 'is_active').checked = u.is_active;
  flag(form, 'is_staff').checked = u.is_staff;
  flag(form, 'is_superuser').checked = u.is_superuser;
  groupChoices(form.querySelector('.group-choices') as Element, u.groups);
  showText(byId('user-edit-error'), '');
  openDialog(byId<HTMLDialogElement>('user-dialog'));
}

async function saveUser(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const u = editingUser;
  if (!u) {
    return;
  }
  const form = byId<HTMLFormElement>('user-edit');
  const error = byId('user-edit-error');
  const body: Record<string, unknown> = {
    email: (form.elements.namedItem('email') as HTMLInputElement).value.trim(),
    is_active: flag(form, 'is_active').checked,
  };
  if (mayGrant()) {
    body.is_staff = flag(form, 'is_staff').checked;
    body.is_superuser = flag(form, 'is_superuser').checked;
  }
  const password = (form.elements.namedItem('password') as HTMLInputElement).value;
  if (password) {
    body.password = password;
  }
  try {
    await sendJson('PATCH', `/admin/users/${u.id}`, body);
    const wanted = checkedGroups(form);
    for (const g of groups) {
      if (wanted.includes(g.name) && !u.groups.includes(g.name)) {
        await sendJson('POST', `/admin/groups/${g.id}/members`, { username: u.username });
      } else if (!wanted.includes(g.name) && u.groups.includes(g.name)) {
        await sendJson('DELETE', `/admin/groups/${g.id}/members/${u.id}`);
      }
    }
    byId<HTMLDialogElement>('user-dialog').close();
    say(`User ${u.username} was saved.`);
  } catch (e) {
    showText(error, (e as Error).message);
  }
  await load();
}

async function createUser(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const form = byId<HTMLFormElement>('user-create');
  const error = byId('user-create-error');
  const value = (n: string): string => (form.elements.namedItem(n) as HTMLInputElement).value;
  const username = value('username').trim();
  if (!username) {
    showText(error, 'Enter a username.');
    return;
  }
  if (value('password') !== value('password2')) {
    showText(error, 'The two passwords do not match.');
    return;
  }
  const body: Record<string, unknown> = {
    username, email: value('email').trim(), is_active: flag(form, 'is_active').checked, groups: checkedGroups(form),
  };
  if (mayGrant()) {
    body.is_staff = flag(form, 'is_staff').checked;
    body.is_superuser = flag(form, 'is_superuser').checked;
  }
  if (value('password')) {
    body.password = value('password');
  }
  try {
    await sendJson('POST', '/admin/users', body);
    form.reset();
    showText(error, '');
    say(`User ${username} was created.`);
  } catch (e) {
    showText(error, (e as Error).message);
  }
  await load();
}

function openGroup(g: Group): void {
  editingGroup = g;
  const form = byId<HTMLFormElement>('group-edit');
  form.reset();
  byId('group-dialog-title').textContent = `Edit group ${g.name}`;
  (form.elements.namedItem('name') as HTMLInputElement).value = g.name;
  renderMembers(g);
  showText(byId('group-edit-error'), '');
  openDialog(byId<HTMLDialogElement>('group-dialog'));
}

function renderMembers(g: Group): void {
  const list = byId('eg-members');
  list.replaceChildren(...g.members.map((m) => {
    const b = el('button', { type: 'button', class: 'small danger', 'aria-label': `Remove ${m.username} from ${g.name}` }, 'Remove');
    b.addEventListener('click', async () => {
      try {
        const updated = await sendJson<Group>('DELETE', `/admin/groups/${g.id}/members/${m.id}`);
        editingGroup = updated;
        renderMembers(updated);
        say(`${m.username} was removed from ${g.name}.`);
      } catch (e) {
        showText(byId('group-edit-error'), (e as Error).message);
      }
      await load();
    });
    return el('li', {}, `${m.username} `, b);
  }));
  if (g.members.length === 0) {
    list.append(el('li', {}, 'No members.'));
  }
}

async function saveGroup(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const g = editingGroup;
  if (!g) {
    return;
  }
  const form = byId<HTMLFormElement>('group-edit');
  const name = (form.elements.namedItem('name') as HTMLInputElement).value.trim();
  const add = (form.elements.namedItem('add') as HTMLInputElement).value.trim();
  try {
    if (name !== g.name) {
      await sendJson('PATCH', `/admin/groups/${g.id}`, { name });
    }
    if (add) {
      await sendJson('POST', `/admin/groups/${g.id}/members`, { username: add });
    }
    byId<HTMLDialogElement>('group-dialog').close();
    say(`Group ${name} was saved.`);
  } catch (e) {
    showText(byId('group-edit-error'), (e as Error).message);
  }
  await load();
}

async function createGroup(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const form = byId<HTMLFormElement>('group-create');
  const error = byId('group-create-error');
  const name = (form.elements.namedItem('name') as HTMLInputElement).value.trim();
  if (!name) {
    showText(error, 'Enter a group name.');
    return;
  }
  try {
    await sendJson('POST', '/admin/groups', { name });
    form.reset();
    showText(error, '');
    say(`Group ${name} was created.`);
  } catch (e) {
    showText(error, (e as Error).message);
  }
  await load();
}

/** Starts the admin page. */
export async function startAdmin(): Promise<void> {
  for (const box of document.querySelectorAll<HTMLInputElement>('input.privilege')) {
    box.disabled = !mayGrant();
    if (!mayGrant()) {
      box.title = 'Only a superuser may grant staff or superuser status.';
    }
  }
  byId('user-q').addEventListener('input', renderUsers);
  byId('user-search').addEventListener('submit', (ev) => ev.preventDefault());
  byId<HTMLFormElement>('user-create').addEventListener('submit', (ev) => void createUser(ev));
  byId<HTMLFormElement>('user-edit').addEventListener('submit', (ev) => void saveUser(ev));
  byId<HTMLFormElement>('group-create').addEventListener('submit', (ev) => void createGroup(ev));
  byId<HTMLFormElement>('group-edit').addEventListener('submit', (ev) => void saveGroup(ev));
  try {
    await load();
  } catch (e) {
    say(`The users and groups could not be loaded: ${(e as Error).message}`);
  }
}
