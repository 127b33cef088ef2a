// Which rollup counters one event feeds: (metric, dimension) pairs.
import type { Event } from '../schema/events';

export function metricsOf(event: Event): Array<{ metric: string; dim: string }> {
  switch (event.type) {
    case 'page':
      return [{ metric: 'page_views', dim: new URL(event.url).pathname }];
    case 'form':
      return [{ metric: `form_${event.action}`, dim: event.step ? `${event.form}#${event.step}` : event.form }];
    case 'offer':
      return [{ metric: `offer_${event.action}`, dim: `${event.offer}/${event.variant ?? ''}` }];
    case 'track':
      return [{ metric: 'track', dim: event.name }];
    case 'identify':
      return [{ metric: 'identify', dim: '' }];
  }
}
