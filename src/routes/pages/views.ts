/** The <main> content of each page: static markup (all text escaped); the client fills the tables. */
import { html, type SafeHtml } from './html.js';

const STATUSES = ['created', 'submitted', 'executing', 'complete', 'failed', 'aborted', 'shared'];
const MODES = ['classical', 'event_based', 'scenario', 'disaggregation', 'preclassical', 'classical_risk', 'classical_damage',
  'event_based_risk', 'ebrisk', 'scenario_risk', 'scenario_damage', 'classical_bcr', 'multi_risk', 'conditional_spectrum'];

/** The dialogs of the list page (opened by the client). */
function listDialogs(): SafeHtml {
  return html`
<dialog id="run-dialog" aria-labelledby="run-title">
  <form id="run-form" novalidate>
    <h2 id="run-title">Run a calculation</h2>
    <p id="run-parent" hidden></p>
    <div class="field">
      <label for="run-files">Job files: a .zip archive, or the .ini file with its input files</label>
      <input type="file" id="run-files" name="archive" multiple required>
    </div>
    <div class="field">
      <label for="run-ini">Job file to run (.ini)</label>
      <select id="run-ini" name="job_ini"><option value="">Automatic (job.ini; risk.ini when continuing)</option></select>
    </div>
    <progress id="run-progress" max="100" value="0" hidden>0%</progress>
    <div id="run-error" class="error-box" role="alert" hidden></div>
    <div class="buttons">
      <button type="submit" class="primary" id="run-submit">Run</button>
      <button type="button" data-close>Cancel</button>
    </div>
  </form>
</dialog>
<dialog id="console-dialog" class="wide" aria-labelledby="console-title">
  <h2 id="console-title">Console</h2>
  <div class="console-bar">
    <label><input type="checkbox" id="console-autoscroll" checked> Scroll to the newest line</label>
    <progress id="console-progress" max="100" hidden></progress>
  </div>
  <div id="console-log" class="log" role="log" tabindex="0" aria-label="Log of the calculation"></div>
  <div class="buttons"><button type="button" data-close>Close</button></div>
</dialog>
<dialog id="traceback-dialog" class="wide" aria-labelledby="traceback-title">
  <h2 id="traceback-title">Traceback</h2>
  <pre id="traceback-text" class="log" tabindex="0"></pre>
  <div class="buttons"><button type="button" data-close>Close</button></div>
</dialog>
${confirmDialog()}
${messageDialog()}`;
}

function confirmDialog(): SafeHtml {
  return html`
<dialog id="confirm-dialog" aria-labelledby="confirm-title" aria-describedby="confirm-text">
  <h2 id="confirm-title">Are you sure?</h2>
  <p id="confirm-text"></p>
  <div class="buttons">
    <button type="button" id="confirm-yes" class="danger">Yes</button>
    <button type="button" data-close>Cancel</button>
  </div>
</dialog>`;
}

function messageDialog(): SafeHtml {
  return html`
<dialog id="message-dialog" aria-labelledby="message-title" aria-describedby="message-text">
  <h2 id="message-title">Message</h2>
  <p id="message-text" class="message-text"></p>
  <div class="buttons"><button type="button" data-close>Close</button></div>
</dialog>`;
}

/** The calculation list. */
export function listMain(opts: { canRun: boolean; engineNotice: string | null }): SafeHtml {
  return html`
${opts.engineNotice ? html`<p class="notice" id="engine-notice" role="alert">${opts.engineNotice}</p>` : ''}
<div class="toolbar">
  ${opts.canRun ? html`<button type="button" id="run-button" class="primary">Run a calculation</button>` : ''}
  <form id="filters" class="filters" role="search" aria-label="Filter the calculations">
    <div class="field">
      <label for="f-status">Status</label>
      <select id="f-status" name="status"><option value="">Any</option>${STATUSES.map((st) => html`<option value="${st}">${st}</option>`)}</select>
    </div>
    <div class="field">
      <label for="f-mode">Calculation</label>
      <input id="f-mode" name="calculation_mode" list="modes" size="14" autocomplete="off">
      <datalist id="modes">${MODES.map((m) => html`<option value="${m}"></option>`)}</datalist>
    </div>
    <div class="field">
      <label for="f-owner">User</label>
      <input id="f-owner" name="user_name_like" size="12" autocomplete="off">
    </div>
    <button type="submit">Filter</button>
    <button type="reset">Clear</button>
  </form>
</div>
<p id="list-message" class="list-message" role="status" aria-live="polite">Loading the calculations…</p>
<div class="table-wrap">
<table id="calcs" class="calcs">
  <caption class="visually-hidden">Calculations, newest first</caption>
  <thead><tr><th scope="col">ID</th><th scope="col">User</th><th scope="col">Calculation</th><th scope="col">Description</th><th scope="col">Start time</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
  <tbody></tbody>
</table>
</div>
<nav class="pager" aria-label="Pages of calculations">
  <button type="button" id="page-prev">Previous page</button>
  <span id="page-info" aria-live="polite"></span>
  <button type="button" id="page-next">Next page</button>
</nav>
${listDialogs()}`;
}

/** The outputs of one calculation. */
export function outputsMain(job: { id: number; user_name: string; status: string; description: string }): SafeHtml {
  return html`
<p class="calc-summary"><span class="status status-${job.status}" id="calc-status">${job.status}</span> <span class="description">${job.description}</span> <span class="owner">(by ${job.user_name})</span></p>
<p id="outputs-message" role="status" aria-live="polite">Loading the outputs…</p>
<div class="table-wrap">
<table id="outputs" class="outputs">
  <caption class="visually-hidden">Outputs of calculation ${job.id}</caption>
  <thead><tr><th scope="col">ID</th><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Downloads</th></tr></thead>
  <tbody></tbody>
</table>
</div>
<p id="datastore" hidden><a id="datastore-link" class="button-link" download>Download hdf5 datastore</a></p>
<section id="traceback-section" aria-labelledby="traceback-heading" hidden>
  <h2 id="traceback-heading">Traceback</h2>
  <pre id="traceback" class="log" tabindex="0"></pre>
</section>`;
}

/** The admin page: users and groups. */
export function adminMain(): SafeHtml {
  return html`
<p id="admin-message" class="list-message" role="status" aria-live="polite"></p>
<section aria-labelledby="users-heading" class="admin-section">
  <h2 id="users-heading">Users</h2>
  <form id="user-search" role="search" class="filters" aria-label="Search users">
    <div class="field"><label for="user-q">Search users</label><input id="user-q" type="search" autocomplete="off"></div>
  </form>
  <div class="table-wrap">
  <table id="users" class="admin-table">
    <caption class="visually-hidden">Users</caption>
    <thead><tr><th scope="col">Username</th><th scope="col">Email</th><th scope="col">Active</th><th scope="col">Staff</th><th scope="col">Superuser</th><th scope="col">Groups</th><th scope="col">Last login</th><th scope="col">Actions</th></tr></thead>
    <tbody></tbody>
  </table>
  </div>
  <details id="new-user" class="create">
    <summary>Create a user</summary>
    <form id="user-create" novalidate>
      <div class="field"><label for="nu-username">Username</label><input id="nu-username" name="username" required maxlength="150" autocomplete="off"></div>
      <div class="field"><label for="nu-email">Email</label><input id="nu-email" name="email" type="email" autocomplete="off"></div>
      <div class="field"><label for="nu-password">Password</label><input id="nu-password" name="password" type="password" autocomplete="new-password"></div>
      <div class="field"><label for="nu-password2">Password again</label><input id="nu-password2" name="password2" type="password" autocomplete="new-password"></div>
      <fieldset class="flags"><legend>Status</legend>
        <label><input type="checkbox" name="is_active" checked> Active</label>
        <label><input type="checkbox" name="is_staff" class="privilege"> Staff</label>
        <label><input type="checkbox" name="is_superuser" class="privilege"> Superuser</label>
      </fieldset>
      <fieldset class="groups"><legend>Groups</legend><div class="group-choices"></div></fieldset>
      <div id="user-create-error" class="error-box" role="alert" hidden></div>
      <div class="buttons"><button type="submit" class="primary">Create user</button></div>
    </form>
  </details>
</section>
<section aria-labelledby="groups-heading" class="admin-section">
  <h2 id="groups-heading">Groups</h2>
  <div class="table-wrap">
  <table id="groups" class="admin-table">
    <caption class="visually-hidden">Groups</caption>
    <thead><tr><th scope="col">Name</th><th scope="col">Members</th><th scope="col">Actions</th></tr></thead>
    <tbody></tbody>
  </table>
  </div>
  <form id="group-create" class="inline-form" novalidate>
    <div class="field"><label for="ng-name">New group name</label><input id="ng-name" name="name" required maxlength="150" autocomplete="off"></div>
    <button type="submit" class="primary">Create group</button>
    <div id="group-create-error" class="error-box" role="alert" hidden></div>
  </form>
</section>
<dialog id="user-dialog" aria-labelledby="user-dialog-title">
  <form id="user-edit" novalidate>
    <h2 id="user-dialog-title">Edit user</h2>
    <div class="field"><label for="eu-email">Email</label><input id="eu-email" name="email" type="email" autocomplete="off"></div>
    <div class="field"><label for="eu-password">New password (leave empty to keep the current one)</label><input id="eu-password" name="password" type="password" autocomplete="new-password"></div>
    <fieldset class="flags"><legend>Status</legend>
      <label><input type="checkbox" name="is_active"> Active</label>
      <label><input type="checkbox" name="is_staff" class="privilege"> Staff</label>
      <label><input type="checkbox" name="is_superuser" class="privilege"> Superuser</label>
    </fieldset>
    <fieldset class="groups"><legend>Groups</legend><div class="group-choices"></div></fieldset>
    <div id="user-edit-error" class="error-box" role="alert" hidden></div>
    <div class="buttons"><button type="submit" class="primary">Save</button><button type="button" data-close>Cancel</button></div>
  </form>
</dialog>
<dialog id="group-dialog" aria-labelledby="group-dialog-title">
  <form id="group-edit" novalidate>
    <h2 id="group-dialog-title">Edit group</h2>
    <div class="field"><label for="eg-name">Name</label><input id="eg-name" name="name" required maxlength="150" autocomplete="off"></div>
    <fieldset><legend>Members</legend><ul id="eg-members" class="members"></ul>
      <div class="field"><label for="eg-add">Add a member (username)</label><input id="eg-add" name="add" autocomplete="off" list="usernames"><datalist id="usernames"></datalist></div>
    </fieldset>
    <div id="group-edit-error" class="error-box" role="alert" hidden></div>
    <div class="buttons"><button type="submit" class="primary">Save</button><button type="button" data-close>Close</button></div>
  </form>
</dialog>
${confirmDialog()}
${messageDialog()}`;
}

/** The license page. */
export function licenseMain(): SafeHtml {
  return html`
<p>The OpenQuake Engine is free software: you can redistribute it and/or modify it under the terms of the
GNU Affero General Public License as published by the Free Software Foundation, either version 3 of the
License, or (at your option) any later version.</p>
<p>This web server (oq-webui) is distributed under the same license, the GNU Affero General Public License,
version 3 or later (AGPL-3.0-or-later).</p>
<p>They are distributed in the hope that they will be useful, but WITHOUT ANY WARRANTY; without even the
implied warranty of MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE. See the GNU Affero General Public
License for more details.</p>
<p>The full text of the license is at <a href="https://www.gnu.org/licenses/agpl-3.0.html" rel="noopener">https://www.gnu.org/licenses/agpl-3.0.html</a>;
the source code of the OpenQuake Engine is at <a href="https://github.com/gem/oq-engine" rel="noopener">https://github.com/gem/oq-engine</a>.</p>
<p>Copyright © Fondazione GEM (Global Earthquake Model Foundation) and the contributors.</p>`;
}
