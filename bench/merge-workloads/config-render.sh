#!/bin/sh
# Renders a configuration file from a template with sed and awk.
t=$(mktemp /tmp/tmpl-XXXXXX)
printf 'host=@HOST@\nusers=@USERS@\n' > "$t"
users=$(busybox awk -F: '$3 < 1000 {print $1}' /etc/passwd | busybox sort | busybox uniq | busybox wc -l)
busybox sed -e "s/@HOST@/$(hostname)/" -e "s/@USERS@/$users/" "$t" > "$t.conf"
busybox grep -q host= "$t.conf"
rm -f "$t" "$t.conf"
