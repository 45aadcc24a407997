// Fixed values used by the catalogue's examples, so that examples, snapshots and docs are stable.
export const ex = {
  userId: '0193a5e2-6b00-7000-8000-000000000001',
  otherUserId: '0193a5e2-6b00-7000-8000-000000000002',
  adminId: '0193a5e2-6b00-7000-8000-0000000000ad',
  sessionId: '0193a5e2-7000-7000-8000-00000000005e',
  familyId: '0193a5e2-7000-7000-8000-0000000000fa',
  eventId: '0193a5e2-7c1f-7b3e-9d4a-2f6c8e1b0a55',
  otherEventId: '0193a5e2-7c20-7b3e-9d4a-2f6c8e1b0a56',
  messageId: '0193a5e3-1000-7000-8000-00000000e5a1',
  endpointId: '0193a5e3-2000-7000-8000-0000000000e9',
  detectionId: '0193a5e3-3000-7000-8000-0000000000de',
  requestId: '0193a5e3-4000-7000-8000-0000000000c0',
  grantId: '0193a5e3-5000-7000-8000-00000000009a',
  checkpointId: '0193a5e3-6000-7000-8000-0000000000cc',
  commandId: '0193a5e3-7000-7000-8000-0000000000c1',
  clientId: 'billing-service',
  ip: '203.0.113.7',
  ipv6: '2001:db8::42',
  userAgent:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  time: '2026-11-28T17:02:11.123Z',
  later: '2026-11-28T17:17:11.123Z',
} as const;
