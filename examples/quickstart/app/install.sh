#!/bin/sh
# Installs the app: a page generated at boot and served by busybox httpd on port 80.
set -e
VERSION="1.0"

echo "$VERSION" > /etc/app-version
mkdir -p /etc/kiln/rc.d
cat > /etc/kiln/rc.d/50-web <<'SCRIPT'
#!/bin/sh
# Runs at every boot, after user_data: the page lives on /tmp (a tmpfs), so nothing keeps
# the root disk busy at shutdown.
mkdir -p /tmp/www
env=$(cat /etc/kiln-environment 2>/dev/null || echo unknown)
cat > /tmp/www/index.html <<PAGE
<h1>Hello from Kiln</h1>
<p>version $(cat /etc/app-version), environment $env, host $(hostname)</p>
PAGE
setsid busybox httpd -p 80 -h /tmp/www
SCRIPT
chmod +x /etc/kiln/rc.d/50-web
