// The one Monaco editor component (SQL for assets and SQL cells, TypeScript for custom LFs). Loaded lazily:
// Monaco is most of the bundle and the canvas does not need it.
import { Editor } from '@monaco-editor/react';
import { useRef } from 'react';
import { monaco } from './monaco-setup.ts';

export interface CodeEditorProps {
  language: 'sql' | 'typescript';
  value: string;
  onChange: (value: string) => void;
  /** Ctrl/Cmd+Enter. */
  onRun?: () => void;
  height?: number;
  label: string;
  /** The model's URI: lets the TypeScript worker check (and emit) this editor's file. */
  path?: string;
}

export default function CodeEditor({ language, value, onChange, onRun, height = 160, label, path }: CodeEditorProps) {
  // Monaco binds the command once, at mount: read the latest handler through a ref.
  const runRef = useRef(onRun);
  runRef.current = onRun;
  return (
    <div className="code-editor" aria-label={label} data-language={language}>
      <Editor
        height={height}
        language={language}
        path={path}
        value={value}
        onChange={(v) => onChange(v ?? '')}
        options={{ minimap: { enabled: false }, fontSize: 13, scrollBeyondLastLine: false, lineNumbers: 'off', automaticLayout: true, wordWrap: 'on' }}
        onMount={(editor) => {
          editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => runRef.current?.());
        }}
      />
    </div>
  );
}
