import pg from 'pg';

/** Whether the server at `url` is a streaming standby, or why it could not be asked (one short connection). */
export async function probeStandby(url: string, timeoutMs = 2000): Promise<{ standby: boolean } | { error: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    return { standby: rows[0]?.standby === true };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}
