# Shared by scripts/package and scripts/install (sourced): lays the agent's files out under a root directory.
#   install_layout ROOT BINARY [CONFIG_MODE]
# CONFIG_MODE "keep" leaves an existing ROOT/etc/dojo-agent/agent.conf alone (scripts/install on a live host).
install_layout() {
  local root="$1" binary="$2" config_mode="${3:-write}"
  install -D -m 0755 "$binary" "$root/usr/bin/dojo-agent"
  install -D -m 0644 scripts/systemd/dojo-agent.service "$root/lib/systemd/system/dojo-agent.service"
  if [ "$config_mode" != "keep" ] || [ ! -e "$root/etc/dojo-agent/agent.conf" ]; then
    install -D -m 0644 scripts/systemd/agent.conf "$root/etc/dojo-agent/agent.conf"
  fi
  install -D -m 0644 scripts/systemd/dojo-agent.sysusers "$root/usr/lib/sysusers.d/dojo-agent.conf"
  install -d -m 0755 "$root/usr/share/doc/dojo-agent"
  install -m 0644 Docs/operations.md agent.conf.example README.md "$root/usr/share/doc/dojo-agent/"
}

# The release binary with the Swift runtime linked statically; builds it unless told not to.
#   release_binary BUILD(0|1) → prints the path
release_binary() {
  local flags=(-c release --static-swift-stdlib)
  if [ "$1" -eq 1 ]; then swift build "${flags[@]}" --product dojo-agent >&2; fi
  local binary
  binary="$(swift build "${flags[@]}" --show-bin-path)/dojo-agent"
  [ -x "$binary" ] || { echo "no release binary at $binary (build without --no-build)" >&2; return 1; }
  echo "$binary"
}
