import { lazy, Suspense } from 'react';
import type { CodeEditorProps } from './CodeEditor.tsx';

const CodeEditor = lazy(() => import('./CodeEditor.tsx'));

export function LazyCodeEditor(props: CodeEditorProps) {
  return (
    <Suspense fallback={<div className="code-editor loading" style={{ height: props.height ?? 160 }}>Loading editor…</div>}>
      <CodeEditor {...props} />
    </Suspense>
  );
}
