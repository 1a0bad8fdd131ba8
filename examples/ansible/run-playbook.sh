#!/bin/sh
# Runs playbook.yml against Kiln's build VM. Kiln runs this on the operator's machine
# (shell-local) with KILN_BUILD_HOST/PORT/USER/SSH_KEY_FILE describing the VM; its
# output goes to the build log (.kiln/images/<id>.log).
set -eu

if ! command -v ansible-playbook >/dev/null 2>&1; then
  echo "ansible-playbook is not on PATH: install ansible-core (e.g. pip install ansible-core)" >&2
  exit 127
fi

# Everything Ansible writes (inventory, its home, local temp files) goes to one temp
# dir, removed at exit, so nothing lands in ~ or beside the configuration.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kiln-ansible.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
export ANSIBLE_HOME="$tmp/home" ANSIBLE_LOCAL_TEMP="$tmp/local"
# The build VM is new at every build on a fresh local port, and Kiln does not hand its
# pinned host key to shell-local: nothing to check against, and nothing worth recording.
export ANSIBLE_HOST_KEY_CHECKING=False
# No ControlPersist master: it would outlive the playbook by a minute for nothing.
export ANSIBLE_SSH_ARGS='-o ControlMaster=no'
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=False

cat >"$tmp/inventory.ini" <<INV
[build]
kiln-build ansible_host=$KILN_BUILD_HOST ansible_port=$KILN_BUILD_PORT ansible_user=$KILN_BUILD_USER ansible_ssh_common_args='-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR'
INV

# The key file is passed on the command line, not in the INI inventory, so a path with
# spaces stays one argument. (No exec: the trap must still remove $tmp.)
ansible-playbook -i "$tmp/inventory.ini" \
  --private-key "$KILN_BUILD_SSH_KEY_FILE" \
  -e "kiln_build_name=$KILN_BUILD_NAME" \
  -e "$KILN_ANSIBLE_EXTRA_VARS" \
  "$(dirname "$0")/playbook.yml"
