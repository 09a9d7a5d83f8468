/** The one authorization step: every resource's actions through authorize(actor, action, record), as a table of role → answer. */
import { expect } from 'chai';
import type { Actor } from '../../src/auth/actor.js';
import type { User } from '../../src/db/models/index.js';
import { HttpError } from '../../src/errors.js';
import { authorize, can } from '../../src/policies/index.js';

function actor(username: string, extra: Partial<Actor> = {}): Actor {
  return { id: 10, username, isSuperuser: false, isStaff: false, groupIds: [], level: 2, unrestricted: false, ...extra };
}
const ROLES: Record<string, Actor> = {
  owner: actor('alice', { groupIds: [1] }),
  groupMember: actor('bob', { id: 11, groupIds: [1] }),
  otherUser: actor('carol', { id: 12 }),
  staff: actor('sam', { id: 13, isStaff: true }),
  superuser: actor('root', { id: 14, isSuperuser: true }),
};
const JOB = { id: 7, userName: 'alice', status: 'complete', ownerGroupIds: [1], aclOn: true };
const STAFF_USER = { isStaff: true, isSuperuser: false } as User;

/** The 403 message authorize throws, or null when it lets through. */
function refusal(f: () => void): string | null {
  try {
    f();
    return null;
  } catch (err) {
    expect(err).to.be.instanceOf(HttpError);
    expect((err as HttpError).status).to.equal(403);
    return (err as HttpError).message;
  }
}

// role           see    remove  administer  edit a staff user  grant staff
const TABLE: [string, boolean, boolean, boolean, boolean, boolean][] = [
  ['owner',       true,  true,   false,      false,             false],
  ['groupMember', true,  false,  false,      false,             false],
  ['otherUser',   false, false,  false,      false,             false],
  ['staff',       false, false,  true,       false,             false],
  ['superuser',   true,  false,  true,       true,              true],
];

describe('authorize(actor, action, record): one step for calculations and admin alike', () => {
  for (const [role, see, remove, administer, edit, grant] of TABLE) {
    it(`${role}: see ${see}, remove ${remove}, administer ${administer}, edit a staff user ${edit}, grant staff ${grant}`, () => {
      const a = ROLES[role];
      expect(can(a, 'calculation.see', JOB)).to.equal(see);
      expect(can(a, 'calculation.remove', JOB)).to.equal(remove);
      expect(can(a, 'admin.administer', null)).to.equal(administer);
      expect(can(a, 'user.edit', STAFF_USER)).to.equal(edit);
      expect(can(a, 'user.setFlags', { target: null, flags: { isStaff: true } })).to.equal(grant);
      expect(refusal(() => authorize(a, 'calculation.see', JOB))).to.equal(see ? null : `User ${a.username} has no permission to see job 7`);
      expect(refusal(() => authorize(a, 'calculation.remove', JOB))).to.equal(remove ? null : `Cannot delete calculation 7: it belongs to alice and you are ${a.username}`);
      expect(refusal(() => authorize(a, 'admin.administer', null))).to.equal(administer ? null : 'You are not allowed to administer users and groups');
      expect(refusal(() => authorize(a, 'user.edit', STAFF_USER))).to.equal(edit ? null : 'Only a superuser may change a staff or superuser account.');
    });
  }
});
