# Sourced by dev/serve, dev/test and .ci/run: the Debian packages Longarm needs outside Python, installed when
# we can (root with apt-get), otherwise named in the one command an administrator must run.
#
# serve: dossier PDFs (WeasyPrint: Pango; Noto fonts for Latin, CJK and Uyghur's Arabic script); evidence copies
#   (Tesseract with our reporters' languages for the text layer, LibreOffice without a GUI to render office
#   documents, Cairo for SVGs); ffmpeg comes from PyPI (imageio-ffmpeg); ICU's headers, pkg-config and g++ to
#   build PyICU (names across scripts in linking).
# test: the same, plus Chromium for the browser tests, poppler's pdftotext and exiftool to read copies back,
#   gettext for the translation checks; tor, nginx, openssl and systemd-analyze to check the recipes in deploy/;
#   postgresql-client (pg_dump, pg_restore) for backups of PostgreSQL.
SERVE_PACKAGES="libicu-dev pkg-config g++ libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk fonts-noto-core libcairo2 \
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim tesseract-ocr-chi-tra tesseract-ocr-jpn \
  tesseract-ocr-uig tesseract-ocr-tur tesseract-ocr-mon tesseract-ocr-bod libreoffice-writer-nogui \
  libreoffice-calc-nogui libreoffice-impress-nogui libreoffice-draw-nogui"
TEST_PACKAGES="$SERVE_PACKAGES chromium poppler-utils libimage-exiftool-perl gettext tor nginx-light openssl systemd \
  postgresql-client"

missing_packages() {
  local package missing=""
  command -v dpkg-query >/dev/null 2>&1 || { echo "$*"; return 0; }
  for package in "$@"; do
    if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
      missing="$missing $package"
    fi
  done
  echo "${missing# }"
}

# ensure_system_packages serve|test: 0 when everything is there (or was just installed), 1 otherwise, after
# printing the command that installs the rest.
ensure_system_packages() {
  local wanted missing
  if [ "$1" = test ]; then wanted="$TEST_PACKAGES"; else wanted="$SERVE_PACKAGES"; fi
  # shellcheck disable=SC2086 # a list of package names
  missing="$(missing_packages $wanted)"
  [ -n "$missing" ] || return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system packages: $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    local package with_recommends="" without=""
    # Chromium, the fonts and Pango as Debian recommends them (as CI always did); LibreOffice and Tesseract
    # without their recommends, which pull in a desktop.
    for package in $missing; do
      case "$package" in
        chromium | fonts-* | poppler-utils | libpango*) with_recommends="$with_recommends $package" ;;
        *) without="$without $package" ;;
      esac
    done
    # shellcheck disable=SC2086 # lists of package names
    { [ -z "$with_recommends" ] || apt-get install -y -qq $with_recommends >/dev/null; } \
      && { [ -z "$without" ] || apt-get install -y -qq --no-install-recommends $without >/dev/null; }
    # shellcheck disable=SC2086 # a list of package names
    missing="$(missing_packages $wanted)"
    [ -n "$missing" ] || return 0
  fi
  echo "Longarm needs these system packages (Debian names):" >&2
  echo "  sudo apt-get install --no-install-recommends $missing" >&2
  return 1
}
