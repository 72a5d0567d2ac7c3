"""HTML templates of the dashboard (``string.Template``; values are escaped by the caller).

Kept as Python strings rather than package data files so every install
(wheel, editable, zipapp) has them.
"""

from __future__ import annotations

from string import Template

STYLE = """<style>
.tgkit-dash { font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px; }
.tgkit-dash table { border-collapse: collapse; margin: 2px 0 8px 0; }
.tgkit-dash th, .tgkit-dash td { padding: 2px 8px; text-align: left;
  border-bottom: 1px solid var(--jp-border-color2, #ddd); }
.tgkit-dash .tgkit-free { color: #2e7d32; font-weight: bold; }
.tgkit-dash .tgkit-held { color: #e65100; font-weight: bold; }
.tgkit-dash .tgkit-empty { color: #888; font-style: italic; }
.tgkit-dash progress { width: 220px; vertical-align: middle; }
</style>"""

DASHBOARD = Template("""$style<div class="tgkit-dash">$sessions</div>""")

SESSION = Template(
    """<div class="tgkit-session" data-session="$name">
<h4>tgkit session <code>$name</code></h4>
<p>Lock: <span class="$lock_class" data-lock>$lock</span></p>
$progress
<h5>Queue ($queued_count, in dispatch order)</h5>
$queue
$pacing
<h5>Recent operations</h5>
$recent
<p class="tgkit-empty">snapshot taken $taken_at</p>
</div>"""
)

PROGRESS = Template(
    """<p>Progress of $id: <progress value="$done" max="$total"></progress> $text</p>"""
)

TABLE = Template("""<table><thead><tr>$head</tr></thead><tbody>$rows</tbody></table>""")

EMPTY = Template("""<p class="tgkit-empty">$text</p>""")

PACING = Template("""<h5>Flood waits and budgets</h5>$floods$budgets""")
