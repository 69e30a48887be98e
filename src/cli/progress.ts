import cliProgress from 'cli-progress';

/**
 * A progress bar per stage on stderr. It appears only once a stage has run for a second, so quick steps
 * stay quiet and long ones (loading areas, seeding, verifying) show how far they are.
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr) {
  let bar: cliProgress.SingleBar | null = null;
  let stage = '';
  let started = 0;
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  const report = (name: string, done: number, total: number) => {
    if (name !== stage) {
      stop();
      stage = name;
      started = Date.now();
    }
    if (!bar && Date.now() - started >= 1000 && done < total) {
      bar = new cliProgress.SingleBar(
        {
          format: `${name.padEnd(12)} [{bar}] {percentage}% {value}/{total}`,
          stream,
          noTTYOutput: true,
          notTTYSchedule: 2000,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, done);
    }
    // A stage whose total grows while it runs (a backlog that is still being added to) moves its end.
    if (bar && total !== bar.getTotal()) bar.setTotal(total);
    bar?.update(done);
    if (bar && done >= total) stop();
  };
  return Object.assign(report, { stop });
}
