// The test helper every integration test adds its profiles with.
import { describe, expect, it } from 'vitest';
import { TestUser } from '../helpers/cli.js';

describe('TestUser', () => {
  it('#14.R3 names the profile add arguments of its account on a server of the test’s own', async () => {
    const user = await TestUser.device('tina');
    expect(user.profileAddArgs({ port: 15222, certFile: '/tmp/ca.pem' })).toEqual([
      'profile',
      'add',
      'tina@localhost',
      '--host',
      '127.0.0.1',
      '--port',
      '15222',
      '--tls-ca',
      '/tmp/ca.pem',
    ]);
  });
});
