// Starting several services at once: when one fails, the others that did start are stopped
// before the failure is reported, so nothing is left running unowned.
interface Stoppable {
  stop(): Promise<void>;
}

export const stopOthersIfAnyFailed = async (starts: Promise<Stoppable>[]): Promise<void> => {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((result) => result.status === 'rejected');
  if (!failed) return;
  await Promise.all(
    settled.map((result) =>
      result.status === 'fulfilled' ? result.value.stop() : Promise.resolve(),
    ),
  );
  throw failed.reason;
};
