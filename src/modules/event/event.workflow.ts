import { genericLoop } from '../../core/workflow/generic-loop.ts';

/** A generic 事件 goes through the closed loop every dispatch uses, with the default deadlines. */
export const eventWorkflow = genericLoop('event', { zh: '事件处置闭环', en: 'Event handling loop' });
