import { createHindsightClient, HindsightError } from 'hindsight/client';

const client = createHindsightClient({ address: 'localhost:50051', apiToken: process.env.TOKEN });
try {
  await client.eventStore.append({
    streamId: 'order-1',
    events: [{ type: 'OrderPlaced', data: Buffer.from(JSON.stringify({ total: 3 })) }],
    expected: { $case: 'expectedVersion', expectedVersion: 0 },
  });
  for await (const page of client.eventStore.readAll({ categories: ['order'] })) {
    for (const event of page.events) console.log(event.globalPosition, event.type);
  }
  const { score } = await client.models.predict({ modelName: 'churn', entityId: 'c-1' });
  console.log('P(churn) =', score);
} catch (error) {
  if (error instanceof HindsightError && error.reason === 'STREAM_VERSION_CONFLICT') {
    console.log('someone appended first; it is at', error.metadata.actual_version);
  } else throw error;
} finally {
  client.close();
}
