// Which page a route shows.
import type { PageFactory } from './page.js';
import { datasetDetailPage, datasetsPage } from './pages/datasets.js';
import { eventsPage } from './pages/events.js';
import { modelDetailPage, modelsPage } from './pages/models.js';
import { notFoundPage } from './pages/notFound.js';
import { overviewPage } from './pages/overview.js';
import { schedulesPage } from './pages/schedules.js';
import { streamPage, streamsPage } from './pages/streams.js';
import { workflowDetailPage } from './pages/workflowDetail.js';
import { workflowsPage } from './pages/workflows.js';
import type { Route } from './router.js';

export const pageFor = ({ segments }: Route): PageFactory => {
  const [first, second, third] = segments;
  switch (first) {
    case undefined:
    case 'overview':
      return segments.length <= 1 ? overviewPage : notFoundPage;
    case 'workflows':
      if (second === undefined) return workflowsPage;
      return segments.length === 2 ? workflowDetailPage : notFoundPage;
    case 'schedules':
      return segments.length === 1 ? schedulesPage : notFoundPage;
    case 'datasets':
      if (second === undefined) return datasetsPage;
      return segments.length === 2 ? datasetDetailPage : notFoundPage;
    case 'models':
      if (second === undefined) return modelsPage;
      return segments.length === 2 ? modelDetailPage : notFoundPage;
    case 'events':
      if (second === undefined) return eventsPage;
      if (second !== 'streams') return notFoundPage;
      if (third === undefined) return streamsPage;
      return segments.length === 3 ? streamPage : notFoundPage;
    default:
      return notFoundPage;
  }
};
