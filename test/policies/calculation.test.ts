import { expect } from 'chai';
import type { Actor } from '../../src/auth/actor.js';
import {
  allowedCalcActions, mayAbortCalculation, mayAdminister, mayEditPrivilegedUser, mayGrantPrivileges,
  mayRemoveCalculation, mayShareCalculation, maySeeCalculation, type CalcFacts,
} from '../../src/policies/index.js';

const GROUP_A = 1;
const GROUP_B = 2;

function actor(username: string, extra: Partial<Actor> = {}): Actor {
  return { id: 10, username, isSuperuser: false, isStaff: false, groupIds: [], level: 2, unrestricted: false, ...extra };
}

const ROLES: Record<string, Actor> = {
  owner: actor('alice', { groupIds: [GROUP_A] }),
  groupMember: actor('bob', { id: 11, groupIds: [GROUP_A, GROUP_B] }),
  otherUser: actor('carol', { id: 12, groupIds: [GROUP_B] }),
  staff: actor('sam', { id: 13, isStaff: true }),
  superuser: actor('root', { id: 14, isSuperuser: true }),
  unrestricted: actor('openquake', { id: null, unrestricted: true }),
};

const PRIVATE: CalcFacts = { userName: 'alice', status: 'complete', ownerGroupIds: [GROUP_A] };
const SHARED: CalcFacts = { userName: 'alice', status: 'shared', ownerGroupIds: [GROUP_A] };

type Row = [role: keyof typeof ROLES, see: boolean, seeShared: boolean, seeAclOff: boolean, abort: boolean, remove: boolean, share: boolean];

// role           see    seeShared seeAclOff abort  remove share
const TABLE: Row[] = [
  ['owner',        true,  true,     true,     true,  true,  true],
  ['groupMember',  true,  true,     true,     true,  false, false],
  ['otherUser',    false, true,     true,     false, false, false],
  ['staff',        false, true,     true,     false, false, false],
  ['superuser',    true,  true,     true,     true,  false, true],
  ['unrestricted', true,  true,     true,     true,  true,  true],
];

describe('policies: who may do what with a calculation', () => {
  for (const [role, see, seeShared, seeAclOff, abort, remove, share] of TABLE) {
    describe(role, () => {
      const a = ROLES[role];
      it(`${see ? 'sees' : 'does not see'} a private calculation of alice's`, () => {
        expect(maySeeCalculation(a, PRIVATE, { aclOn: true })).to.equal(see);
      });
      it(`${seeShared ? 'sees' : 'does not see'} a shared calculation`, () => {
        expect(maySeeCalculation(a, SHARED, { aclOn: true })).to.equal(seeShared);
      });
      it(`${seeAclOff ? 'may' : 'may not'} open it by id when ACL_ON is false`, () => {
        expect(maySeeCalculation(a, PRIVATE, { aclOn: false })).to.equal(seeAclOff);
      });
      it(`${abort ? 'may' : 'may not'} abort it`, () => {
        expect(mayAbortCalculation(a, PRIVATE)).to.equal(abort);
      });
      it(`${remove ? 'may' : 'may not'} remove it`, () => {
        expect(mayRemoveCalculation(a, PRIVATE)).to.equal(remove);
        expect(mayRemoveCalculation(a, SHARED)).to.equal(remove);
      });
      it(`${share ? 'may' : 'may not'} share or unshare it`, () => {
        expect(mayShareCalculation(a, PRIVATE)).to.equal(share);
      });
    });
  }

  it('a calculation whose owner is in no group is seen only by its owner, superusers and the unrestricted user', () => {
    const lonely: CalcFacts = { userName: 'alice', status: 'complete', ownerGroupIds: [] };
    const seers = Object.entries(ROLES).filter(([, a]) => maySeeCalculation(a, lonely, { aclOn: true })).map(([r]) => r);
    expect(seers).to.deep.equal(['owner', 'superuser', 'unrestricted']);
  });
});

describe('policies: who may administer users and groups', () => {
  // role           administer grantPrivileges
  const ADMIN: Array<[keyof typeof ROLES, boolean, boolean]> = [
    ['owner',        false, false],
    ['groupMember',  false, false],
    ['staff',        true,  false],
    ['superuser',    true,  true],
    ['unrestricted', false, false],
  ];
  for (const [role, administer, grant] of ADMIN) {
    it(`${role}: ${administer ? 'may' : 'may not'} administer, ${grant ? 'may' : 'may not'} grant staff/superuser`, () => {
      expect(mayAdminister(ROLES[role])).to.equal(administer);
      expect(mayGrantPrivileges(ROLES[role])).to.equal(grant);
    });
  }

  it('only a superuser may change a staff or superuser account; staff may change plain users', () => {
    const plain = { isStaff: false, isSuperuser: false };
    const privileged = { isStaff: true, isSuperuser: false };
    expect(mayEditPrivilegedUser(ROLES.staff, plain)).to.equal(true);
    expect(mayEditPrivilegedUser(ROLES.staff, privileged)).to.equal(false);
    expect(mayEditPrivilegedUser(ROLES.superuser, privileged)).to.equal(true);
  });
});

describe('policies: the actions a page may offer on a calculation (allowedCalcActions)', () => {
  const facts = (status: string): CalcFacts => ({ userName: 'alice', status, ownerGroupIds: [GROUP_A] });
  const on = { aclOn: true, readOnly: false };
  const offered = (a: Actor, status: string, opts = on): string[] =>
    Object.entries(allowedCalcActions(a, facts(status), opts)).filter(([, v]) => v).map(([k]) => k);

  it('follows the rules for each role (same as the may* functions the routes use)', () => {
    for (const [role, see, , , abort, remove, share] of TABLE) {
      const a = ROLES[role];
      const running = allowedCalcActions(a, facts('executing'), on);
      const done = allowedCalcActions(a, facts('complete'), on);
      expect(running.see, role).to.equal(see);
      expect(running.abort, role).to.equal(abort);
      expect(done.remove, role).to.equal(remove);
      expect(done.share, role).to.equal(share);
    }
  });

  it('follows the state: abort only while running, remove never while running, share a complete one, unshare a shared one', () => {
    expect(offered(ROLES.owner, 'executing')).to.deep.equal(['see', 'abort']);
    expect(offered(ROLES.owner, 'complete')).to.deep.equal(['see', 'remove', 'share', 'continue']);
    expect(offered(ROLES.owner, 'shared')).to.deep.equal(['see', 'remove', 'unshare', 'continue']);
    expect(offered(ROLES.owner, 'failed')).to.deep.equal(['see', 'remove']);
    expect(offered(ROLES.otherUser, 'shared')).to.deep.equal(['see', 'continue']);
    expect(offered(ROLES.otherUser, 'complete')).to.deep.equal([]);
  });

  it('READ_ONLY offers no abort, remove or continue', () => {
    const ro = { aclOn: true, readOnly: true };
    expect(offered(ROLES.owner, 'executing', ro)).to.deep.equal(['see']);
    expect(offered(ROLES.owner, 'complete', ro)).to.deep.equal(['see', 'share']);
  });
});
