import { defineModule } from '../../core/modules.ts';
import { EVENT_CATEGORIES, EventPayload } from './event.schema.ts';
import { eventWorkflow } from './event.workflow.ts';

/** 事件: the generic matter a grid worker reports and the centre dispatches. */
export default defineModule({
  code: 'event',
  name: { zh: '事件', en: 'Events' },
  matterTypes: [
    {
      code: 'event',
      prefix: 'SJ',
      name: { zh: '事件', en: 'Event' },
      payload: EventPayload,
      categories: EVENT_CATEGORIES,
      workflow: eventWorkflow,
    },
  ],
});
