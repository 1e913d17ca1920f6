// Labels of review statuses, shared by the review components.
import type { ReviewStatus } from '../../../../preload/contract.ts';

export const STATUS_LABELS: Record<ReviewStatus, string> = { pending: 'Pending', approved: 'Approved', rejected: 'Rejected', redo: 'Redo' };
