import type { ReactNode } from 'react';

/** A view's frame: title, a one-sentence explanation (tooltip), and its content or empty state. */
export function Panel(props: {
  id: string;
  title: string;
  help: string;
  children: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <section className="panel" data-view={props.id} aria-label={props.title}>
      <header className="panel-header">
        <h2 title={props.help}>{props.title}</h2>
        <div className="panel-actions">{props.actions}</div>
      </header>
      <div className="panel-body">{props.children}</div>
    </section>
  );
}

/** What a view shows when it has nothing to draw, saying why and what would fill it. */
export function EmptyState(props: { children: ReactNode }) {
  return (
    <div className="empty-state" role="status">
      {props.children}
    </div>
  );
}
