import { describe, expect, it } from '@jest/globals';
import { chooseBackends, describeBackends } from './detect.js';

const counting = (answer: boolean) => {
  const probe = async () => {
    probe.calls++;
    return answer;
  };
  probe.calls = 0;
  return probe;
};

describe('chooseBackends', () => {
  it('prefers URLs from the environment and skips the Docker probe when nothing depends on it', async () => {
    const probe = counting(true);
    const b = await chooseBackends(
      {
        DATABASE_URL: 'postgres://db/x',
        AWS_ENDPOINT_URL: 'http://broker:4566',
        SES_ENDPOINT_URL: 'http://ses:8005',
      },
      probe,
    );
    expect(b).toEqual({
      database: { kind: 'postgres', source: 'DATABASE_URL', url: 'postgres://db/x' },
      broker: { source: 'AWS_ENDPOINT_URL', endpoint: 'http://broker:4566' },
      email: { source: 'SES_ENDPOINT_URL', endpoint: 'http://ses:8005' },
      docker: false,
    });
    expect(probe.calls).toBe(0);
  });

  it('uses containers when Docker answers', async () => {
    const probe = counting(true);
    const b = await chooseBackends({}, probe);
    expect(b.database).toEqual({ kind: 'postgres', source: 'testcontainers' });
    expect(b.broker).toEqual({ source: 'localstack' });
    expect(b.email).toEqual({ source: 'aws-ses-v2-local' });
    expect(probe.calls).toBe(1);
  });

  it('falls back to PGlite and fauxqs without Docker', async () => {
    const b = await chooseBackends({ AWS_ENDPOINT_URL: '' }, counting(false));
    expect(b.database).toEqual({ kind: 'pglite', source: 'pglite' });
    expect(b.broker).toEqual({ source: 'fauxqs' });
    expect(describeBackends(b)).toBe(
      'test-kit: database=PGlite (temp dir per suite), broker=fauxqs, email=aws-ses-v2-local, docker=no',
    );
  });

  it('mixes: an external database with a container broker', async () => {
    const b = await chooseBackends({ DATABASE_URL: 'postgres://db/x' }, counting(true));
    expect(b.database.source).toBe('DATABASE_URL');
    expect(b.broker).toEqual({ source: 'localstack' });
  });
});
