/**
 * The container spec's security: the hardened defaults every container starts from, and the
 * user as compose writes it (Kubernetes reads the numbers, never the text).
 */
import { hardenedSecurity, userText } from '../src/core/container-spec';

test('the defaults: the image\'s user, a read-only root, every capability dropped and none added, no new privileges', () => {
  expect(hardenedSecurity()).toEqual({
    readOnlyRootFilesystem: true, dropAllCapabilities: true, capAdd: [], noNewPrivileges: true,
  });
  expect('user' in hardenedSecurity()).toBe(false);
});

test('a user and a writable root are the only things a container may ask for; the rest stays on', () => {
  const s = hardenedSecurity({ user: { uid: 999, gid: 998 }, readOnlyRootFilesystem: false });
  expect(s).toEqual({
    user: { uid: 999, gid: 998 },
    readOnlyRootFilesystem: false,
    dropAllCapabilities: true,
    capAdd: [],
    noNewPrivileges: true,
  });
  expect(userText(s.user!)).toBe('999:998');
});

test('each call gives its own lists: changing one container\'s security cannot change another\'s', () => {
  const a = hardenedSecurity();
  a.capAdd.push('NET_BIND_SERVICE');
  expect(hardenedSecurity().capAdd).toEqual([]);
});
