// A virtualised list over @tanstack/virtual-core: only the rows in view (plus a few) are in the DOM,
// so 100,000 memories cost as much to show as 30.
import { elementScroll, observeElementOffset, observeElementRect, Virtualizer, type VirtualizerOptions } from '@tanstack/virtual-core';
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';

function useVirtualizer(options: Pick<VirtualizerOptions<HTMLDivElement, Element>, 'count' | 'getScrollElement' | 'estimateSize' | 'overscan'>) {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const full: VirtualizerOptions<HTMLDivElement, Element> = {
    ...options, observeElementRect, observeElementOffset, scrollToFn: elementScroll, onChange: () => rerender(0),
  };
  const [v] = useState(() => new Virtualizer(full));
  v.setOptions(full);
  useLayoutEffect(() => v._didMount(), []);
  useLayoutEffect(() => v._willUpdate());
  return v;
}

export function VirtualList({ count, rowHeight, row, label, onRange }: {
  count: number;
  rowHeight: number;
  row: (index: number) => ComponentChildren;
  label: string;
  /** Told which rows are in view, so their page can be fetched. */
  onRange?: (first: number, last: number) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan: 8 });
  const items = v.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  useLayoutEffect(() => {
    if (last >= 0) onRange?.(first, last);
  }, [first, last, onRange]);
  return (
    <div class="vlist" ref={scroller} role="list" aria-label={label} tabIndex={-1}>
      <div style={{ height: `${v.getTotalSize()}px`, position: 'relative' }}>
        {items.map((it) => (
          <div
            key={it.key}
            role="listitem"
            class="vrow"
            style={{ position: 'absolute', top: 0, left: 0, right: 0, height: `${it.size}px`, transform: `translateY(${it.start}px)` }}
          >
            {row(it.index)}
          </div>
        ))}
      </div>
    </div>
  );
}
