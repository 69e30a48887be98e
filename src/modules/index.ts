import { type ModuleDef, registerModule } from '../core/modules.ts';
import alert from './alert/index.ts';
import command from './command/index.ts';
import court from './court/index.ts';
import dispute from './dispute/index.ts';
import event from './event/index.ts';
import grid from './grid/index.ts';
import hazard from './hazard/index.ts';
import map from './map/index.ts';
import mediation from './mediation/index.ts';
import patrol from './patrol/index.ts';
import report from './report/index.ts';
import screen from './screen/index.ts';
import sea from './sea/index.ts';

/** Every line of work the platform runs. */
export const MODULES: ModuleDef[] = [
  event,
  dispute,
  alert,
  map,
  command,
  screen,
  grid,
  court,
  mediation,
  patrol,
  hazard,
  report,
  sea,
];

let registered = false;

export function registerModules(): void {
  if (registered) return;
  for (const m of MODULES) registerModule(m);
  registered = true;
}
