extension ConsoleAssets {
    /// `console.js`. Builds every element with `createElement` and fills it with `textContent`;
    /// links are same-site (`/?view=process&…`, values encoded by `URLSearchParams`), so data never
    /// becomes markup or a script URL.
    static let consoleJS = #"""
        'use strict';
        (function () {
          const VIEWS = {
            overview: { title: 'Overview', poll: 10000, filters: ['host', 'since'], defaults: { since: '15' },
              sections: [['Overview', '/api/overview']] },
            events: { title: 'Live events', poll: 2000, incremental: true,
              filters: ['host', 'container', 'probe', 'user', 'comm', 'path', 'address', 'since', 'limit', 'own'],
              sections: [['Events', '/api/events']] },
            process: { title: 'Process', poll: 0,
              filters: ['exec_id', 'host', 'pid', 'since', 'limit'],
              sections: [['Process', '/api/process']] },
            top: { title: 'Top', poll: 10000,
              filters: ['host', 'container', 'user', 'comm', 'since', 'limit'],
              sections: [['Top comm by syscall latency', '/api/top/latency'], ['Top files', '/api/top/files'],
                         ['Top talkers by container', '/api/top/talkers'], ['Top binaries by executions', '/api/top/binaries']] },
            health: { title: 'Pipeline health', poll: 5000,
              filters: ['host', 'since', 'limit'],
              sections: [['Pipeline', '/api/health']] },
            alerts: { title: 'Alerts', poll: 10000, hidden: ['alert_id', 'time_ns'],
              filters: ['host', 'rule', 'severity', 'container', 'since', 'limit'],
              sections: [['Alerts', '/api/alerts']] }
          };

          const params = new URLSearchParams(window.location.search);
          const viewName = Object.prototype.hasOwnProperty.call(VIEWS, params.get('view')) ? params.get('view') : 'overview';
          const view = VIEWS[viewName];

          function el(tag, text) {
            const e = document.createElement(tag);
            if (text !== undefined) { e.textContent = String(text); }
            return e;
          }

          function apiQuery(extra) {
            const q = new URLSearchParams();
            for (const name of view.filters) {
              const v = params.get(name) || (view.defaults || {})[name];
              if (v) { q.set(name, v); }
            }
            for (const name of Object.keys(extra || {})) { q.set(name, extra[name]); }
            return q.toString();
          }

          const SVG = 'http://www.w3.org/2000/svg';
          const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#9a6700', '#8250df', '#bc4c00', '#1b7c83', '#57606a'];

          function svg(tag, attrs) {
            const e = document.createElementNS(SVG, tag);
            for (const k of Object.keys(attrs)) { e.setAttribute(k, String(attrs[k])); }
            return e;
          }

          // A line chart: one polyline per series over the minutes; every point is a circle carrying
          // its series, minute and raw value (data-*), with a <title> tooltip. `scale` turns a value
          // into the plotted figure (per minute -> per second).
          function renderChart(parent, title, unit, minutes, series, scale) {
            parent.appendChild(el('h3', title));
            if (!minutes.length) {
              const p = el('p', 'no data in this window');
              p.className = 'empty';
              parent.appendChild(p);
              return;
            }
            const W = 720, H = 200, L = 56, B = 24, T = 8, R = 8;
            let max = 0;
            for (const s of series) { for (const m of minutes) { max = Math.max(max, scale(s.values[m] || 0)); } }
            if (max <= 0) { max = 1; }
            const x = function (i) { return L + (minutes.length > 1 ? i * (W - L - R) / (minutes.length - 1) : (W - L - R) / 2); };
            const y = function (v) { return T + (H - T - B) * (1 - v / max); };
            const chart = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'class': 'chart' });
            chart.appendChild(svg('title', {})).textContent = title;
            chart.appendChild(svg('line', { x1: L, y1: y(0), x2: W - R, y2: y(0), stroke: '#8c959f' }));
            for (const v of [0, max / 2, max]) {
              const t = chart.appendChild(svg('text', { x: L - 4, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11 }));
              t.textContent = (Math.round(v * 100) / 100) + '';
            }
            [0, minutes.length - 1].forEach(function (i) {
              const t = chart.appendChild(svg('text', { x: x(i), y: H - 6, 'text-anchor': i ? 'end' : 'start', 'font-size': 11 }));
              t.textContent = minutes[i].slice(11, 16) + ' UTC';
            });
            const legend = el('p');
            legend.className = 'legend';
            series.forEach(function (s, k) {
              const color = COLORS[k % COLORS.length];
              const points = minutes.map(function (m, i) { return x(i) + ',' + y(scale(s.values[m] || 0)); });
              chart.appendChild(svg('polyline', { points: points.join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
              minutes.forEach(function (m, i) {
                const raw = s.values[m] || 0;
                const c = chart.appendChild(svg('circle', { cx: x(i), cy: y(scale(raw)), r: 3, fill: color,
                  'data-series': s.name, 'data-minute': m, 'data-value': raw }));
                c.appendChild(svg('title', {})).textContent = s.name + ' ' + m + ': ' + (Math.round(scale(raw) * 100) / 100) + ' ' + unit;
              });
              const key = el('span', s.name);
              key.className = 'key';
              key.style.borderColor = color;
              legend.appendChild(key);
            });
            parent.appendChild(chart);
            parent.appendChild(legend);
          }

          // Series from a table of (series column, minute, value) rows or of (minute, value columns...) rows.
          function renderOverview(parent, data) {
            const rates = data.rates, pipe = data.pipeline;
            const minutes = Array.from(new Set(rates.rows.map(function (r) { return r[1]; }).concat(
              pipe.rows.map(function (r) { return r[0]; })))).sort();
            const byProbe = {};
            for (const r of rates.rows) { (byProbe[r[0]] = byProbe[r[0]] || {})[r[1]] = Number(r[2]); }
            // The two charts side by side (each scales down to its column), so the tops show at 1280x800.
            const charts = el('div');
            charts.className = 'charts';
            parent.appendChild(charts);
            const rateBox = charts.appendChild(el('div')), pipeBox = charts.appendChild(el('div'));
            renderChart(rateBox, 'Events per second per probe', 'events/s', minutes,
              Object.keys(byProbe).sort().map(function (p) { return { name: p, values: byProbe[p] }; }),
              function (v) { return v / 60; });
            const pipeSeries = pipe.columns.slice(1).map(function (name, k) {
              const values = {};
              for (const r of pipe.rows) { values[r[0]] = Number(r[k + 1]); }
              return { name: name, values: values };
            });
            renderChart(pipeBox, 'Loss, drops, dead letters (totals) and consumer lag', '', minutes, pipeSeries,
              function (v) { return v; });
            renderTops(parent, data);
            renderTable(parent, 'Newest alerts (last 24 h)', data.alerts, VIEWS.alerts.hidden);
            const all = el('a', 'All alerts');
            all.href = '/?view=alerts' + (params.get('host') ? '&' + new URLSearchParams({ host: params.get('host') }).toString() : '');
            all.id = 'all-alerts';
            const p = el('p');
            p.appendChild(all);
            parent.appendChild(p);
          }

          // The overview's top-5 tables, side by side under the charts: [answer key, title, columns shown,
          // column -> the view a click on its value opens, narrowed to it]. Every link keeps the overview's
          // host and window (`since`, 15 by default), so the full Top view shows the same rows and more.
          const OVERVIEW_TOPS = [
            ['talkers', 'Top talkers', ['container', 'host', 'connections', 'failures', 'peers'],
              { container: ['top', {}], host: ['overview', {}] }],
            ['files', 'Top files', ['path', 'accesses', 'failures', 'processes'],
              { path: ['events', {}] }],
            ['binaries', 'Top binaries', ['binary', 'executions', 'failures', 'users'],
              { binary: ['events', { probe: 'execve' }] }]
          ];

          // A same-site link to `target` with the current host and window, plus `extra`.
          function scopedLink(text, target, extra) {
            const q = new URLSearchParams({ view: target });
            for (const key of ['host', 'since']) {
              const v = params.get(key) || (view.defaults || {})[key];
              if (v) { q.set(key, v); }
            }
            for (const k of Object.keys(extra)) { q.set(k, extra[k]); }
            const a = el('a', text);
            a.href = '/?' + q.toString();
            return a;
          }

          function renderTops(parent, data) {
            const grid = el('div');
            grid.className = 'tops';
            for (const [key, title, columns, links] of OVERVIEW_TOPS) {
              const table = data[key];
              if (!table) { continue; }
              const box = el('section');
              box.id = 'top-' + key;
              const hidden = table.columns.filter(function (c) { return columns.indexOf(c) < 0; });
              renderTable(box, title, table, hidden, function (column, cell) {
                const link = links[column];
                // '(host)' stands for "no container", not a name to filter by; the current host is already the filter.
                if (!link || !cell || cell === '(host)' || params.get(column) === cell) { return null; }
                const extra = Object.assign({}, link[1]);
                // A binary or file narrows the live events by path (the exec's filename, the file's path).
                extra[column === 'binary' ? 'path' : column] = cell;
                const a = scopedLink(cell, link[0], extra);
                a.className = 'filter';
                a.title = 'Only ' + (column === 'binary' ? 'path' : column) + ' = ' + cell;
                return a;
              });
              const all = scopedLink('Full top view →', 'top', {});
              all.className = 'more';
              all.setAttribute('aria-label', 'Full top view: ' + title.toLowerCase() + ' and more');
              const p = el('p');
              p.appendChild(all);
              box.appendChild(p);
              grid.appendChild(box);
            }
            parent.appendChild(grid);
          }

          function buildForm() {
            const form = document.getElementById('filters');
            const hidden = el('input');
            hidden.type = 'hidden'; hidden.name = 'view'; hidden.value = viewName;
            form.appendChild(hidden);
            for (const name of view.filters) {
              const input = el('input');
              input.name = name;
              let label;
              if (name === 'own') {
                // The browser showing the console makes file and network events of its own on every
                // poll; the server leaves its process tree out unless this is ticked.
                label = el('label');
                input.type = 'checkbox';
                input.value = '1';
                input.checked = params.get(name) === '1';
                label.appendChild(input);
                label.appendChild(document.createTextNode(' show this browser\u2019s own activity'));
              } else {
                label = el('label', name + ' ');
                input.value = params.get(name) || '';
                label.appendChild(input);
              }
              form.appendChild(label);
            }
            form.appendChild(el('button', 'Apply'));
            const active = [];
            for (const name of view.filters) {
              const v = params.get(name);
              if (v) { active.push(name + ' = ' + v); }
            }
            document.getElementById('active-filters').textContent = active.length ? 'Filters: ' + active.join(', ') : 'No filters';
          }

          // The host and time range (`since`) follow the user from view to view: each navigation link
          // keeps the ones its view takes; the current view's link is marked for assistive technology.
          function shareScope() {
            for (const a of document.querySelectorAll('header nav a')) {
              const target = new URL(a.getAttribute('href'), window.location.origin);
              const name = target.searchParams.get('view');
              const other = Object.prototype.hasOwnProperty.call(VIEWS, name) ? VIEWS[name] : null;
              if (!other) { continue; }
              for (const key of ['host', 'since']) {
                const v = params.get(key);
                if (v && other.filters.indexOf(key) >= 0) { target.searchParams.set(key, v); }
              }
              a.setAttribute('href', target.pathname + target.search);
              if (name === viewName) { a.setAttribute('aria-current', 'page'); }
            }
          }

          function processLink(text, query) {
            const a = el('a', text);
            a.href = '/?view=process&' + query.toString();
            return a;
          }

          // Live events: these columns only merge polls; a click on one of FILTERABLE's values narrows
          // the view to it (a same-site link built with URLSearchParams).
          const HIDDEN = ['time_ns', 'event_id'];
          const FILTERABLE = ['host', 'probe', 'user', 'comm', 'container'];

          function filterLink(column, value) {
            const q = new URLSearchParams(window.location.search);
            q.set('view', viewName);
            q.set(column, value);
            const a = el('a', value);
            a.href = '/?' + q.toString();
            a.className = 'filter';
            a.title = 'Only ' + column + ' = ' + value;
            return a;
          }

          // Alerts: the severity cell is marked by its (known) severity, so the serious ones stand out.
          const SEVERITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'];

          // `hidden`: columns left out (the live view's HIDDEN, or the view's own list, by default).
          // `linkOf(column, cell)`: an element to show in place of the cell's text, or null.
          function renderTable(parent, title, table, hidden, linkOf) {
            const liveView = view.incremental === true;
            const leftOut = hidden || (liveView ? HIDDEN : (view.hidden || []));
            const shown = table.columns.map(function (c, i) { return i; })
              .filter(function (i) { return leftOut.indexOf(table.columns[i]) < 0; });
            parent.appendChild(el('h3', title));
            if (!table.rows.length) {
              const p = el('p', 'no rows');
              p.className = 'empty';
              parent.appendChild(p);
              return;
            }
            const t = el('table');
            const head = t.createTHead().insertRow();
            for (const i of shown) { head.appendChild(el('th', table.columns[i])); }
            const body = t.createTBody();
            const hostAt = table.columns.indexOf('host');
            for (const row of table.rows) {
              const tr = body.insertRow();
              shown.forEach(function (i) {
                const cell = row[i];
                const td = tr.insertCell();
                const column = table.columns[i];
                const link = linkOf ? linkOf(column, cell) : null;
                // exec_id links to its process; the pid too (by host + pid), since exec_id may be empty.
                if (link) {
                  td.appendChild(link);
                } else if (liveView && cell && FILTERABLE.indexOf(column) >= 0 && params.get(column) !== cell) {
                  td.appendChild(filterLink(column, cell));
                } else if (column === 'exec_id' && cell) {
                  td.appendChild(processLink(cell, new URLSearchParams({ exec_id: cell })));
                } else if (column === 'pid' && hostAt >= 0 && cell && cell !== '0') {
                  td.appendChild(processLink(cell, new URLSearchParams({ host: row[hostAt], pid: cell })));
                } else {
                  td.textContent = cell;
                  if (column === 'severity' && SEVERITIES.indexOf(cell) >= 0) { td.className = 'severity-' + cell; }
                }
              });
            }
            parent.appendChild(t);
          }

          // Health: the per-instance summary first (a stale instance's row is marked), the per-stage
          // sums, then the raw non-zero counters behind a toggle.
          function renderHealth(parent, data) {
            renderTable(parent, 'instances', data.instances);
            const staleAt = data.instances.columns.indexOf('stale');
            const rows = parent.lastChild.tBodies ? parent.lastChild.tBodies[0].rows : [];
            for (let i = 0; i < rows.length; i++) {
              const cell = rows[i].cells[staleAt];
              const isStale = data.instances.rows[i][staleAt] === '1';
              cell.textContent = isStale ? 'STALE' : 'ok';
              if (isStale) { rows[i].className = 'stale'; }
            }
            renderTable(parent, 'stages', data.stages);
            const details = el('details');
            details.appendChild(el('summary', 'Raw counters (' + data.counters.rows.length + ' non-zero)'));
            renderTable(details, 'counters', data.counters);
            parent.appendChild(details);
          }

          // The process tree: the ancestors (oldest first), this process in bold, then its children,
          // each a link to its own process view; the tables follow.
          function renderProcess(parent, data) {
            const cols = data.process.columns;
            const at = function (row, c) { return row[cols.indexOf(c)] || ''; };
            const label = function (row) {
              const detail = at(row, 'detail');
              return at(row, 'pid') + ' ' + (at(row, 'comm') || '?') + (detail ? ' \u2014 ' + detail : '');
            };
            const link = function (row) {
              return processLink(label(row), new URLSearchParams({ host: at(row, 'host'), pid: at(row, 'pid') }));
            };
            parent.appendChild(el('h3', 'tree'));
            const chain = data.ancestry.rows.slice().reverse();
            let list = el('ul');
            list.className = 'tree';
            parent.appendChild(list);
            for (const row of chain) {
              const li = el('li');
              li.appendChild(at(row, 'pid') ? link(row) : el('span', '?'));
              list.appendChild(li);
              const below = el('ul');
              li.appendChild(below);
              list = below;
            }
            const self = el('li');
            self.appendChild(el('strong', data.process.rows.length ? label(data.process.rows[0]) : 'not found'));
            list.appendChild(self);
            const kids = el('ul');
            self.appendChild(kids);
            for (const row of data.children.rows) {
              const li = el('li');
              li.appendChild(link(row));
              kids.appendChild(li);
            }
            // Where it ran: the container and pod, when it ran in one.
            if (data.process.rows.length) {
              const row = data.process.rows[0];
              const where = [];
              if (at(row, 'container')) { where.push('container ' + at(row, 'container')); }
              if (at(row, 'pod')) { where.push('pod ' + at(row, 'pod')); }
              const p = el('p', where.length ? where.join(', ') : 'not in a container (host)');
              p.id = 'where';
              parent.appendChild(p);
            }
            renderTimeline(parent, data.events);
            for (const key of ['process', 'ancestry', 'children', 'events']) { renderTable(parent, key, data[key]); }
          }

          // The process's events on a time line: one lane per probe, one point per event at its time
          // (data-* carry the probe and time_ns; the <title> is the tooltip).
          function renderTimeline(parent, events) {
            parent.appendChild(el('h3', 'time line'));
            const cols = events.columns;
            const t = cols.indexOf('time_ns'), p = cols.indexOf('probe'), d = cols.indexOf('detail'), u = cols.indexOf('time_utc');
            if (!events.rows.length || t < 0 || p < 0) {
              const e = el('p', 'no events in this window');
              e.className = 'empty';
              parent.appendChild(e);
              return;
            }
            const times = events.rows.map(function (r) { return BigInt(r[t] || '0'); });
            let min = times[0], max = times[0];
            for (const v of times) { if (v < min) { min = v; } if (v > max) { max = v; } }
            const span = Number(max - min) || 1;
            const probes = Array.from(new Set(events.rows.map(function (r) { return r[p]; }))).sort();
            const W = 720, LANE = 22, L = 70, R = 10, T = 6;
            const H = T + probes.length * LANE + 22;
            const chart = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'class': 'chart timeline' });
            chart.appendChild(svg('title', {})).textContent = 'Events of this process over time';
            probes.forEach(function (name, k) {
              const y = T + k * LANE + 11;
              chart.appendChild(svg('line', { x1: L, y1: y, x2: W - R, y2: y, stroke: '#d0d7de' }));
              const label = chart.appendChild(svg('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11 }));
              label.textContent = name;
            });
            events.rows.forEach(function (r, i) {
              const k = probes.indexOf(r[p]);
              const x = L + (Number(times[i] - min) / span) * (W - L - R);
              const c = chart.appendChild(svg('circle', { cx: x, cy: T + k * LANE + 11, r: 4, fill: COLORS[k % COLORS.length],
                'data-probe': r[p], 'data-time-ns': r[t] }));
              c.appendChild(svg('title', {})).textContent = (u >= 0 ? r[u] + ' ' : '') + r[p] + (d >= 0 && r[d] ? ': ' + r[d] : '');
            });
            const first = chart.appendChild(svg('text', { x: L, y: H - 4, 'font-size': 11 }));
            first.textContent = u >= 0 ? events.rows[times.indexOf(min)][u] + ' UTC' : '';
            const last = chart.appendChild(svg('text', { x: W - R, y: H - 4, 'text-anchor': 'end', 'font-size': 11 }));
            last.textContent = '+' + (span / 1e9).toFixed(3) + ' s';
            parent.appendChild(chart);
          }

          function render(container, title, data) {
            if (data.rates && data.pipeline) { renderOverview(container, data); return; }
            if (data.instances && data.counters) { renderHealth(container, data); return; }
            if (data.process && data.ancestry && data.children) { renderProcess(container, data); return; }
            if (Array.isArray(data.columns)) { renderTable(container, title, data); return; }
            for (const key of Object.keys(data)) {
              const v = data[key];
              if (v && Array.isArray(v.columns)) { renderTable(container, key, v); }
            }
          }

          // Incremental polling (live events): after the first answer, ask only for events later than
          // the newest seen minus LATENESS_NS (events land out of order across probes and batches),
          // merge by event_id, keep the newest `limit`.
          const LATENESS_NS = 30000000000n;
          const live = { rows: [], seen: new Set(), newest: 0n, columns: null };
          let paused = false;

          function mergeLive(table) {
            const t = table.columns.indexOf('time_ns'), id = table.columns.indexOf('event_id');
            live.columns = table.columns;
            for (const row of table.rows) {
              if (live.seen.has(row[id])) { continue; }
              live.seen.add(row[id]);
              live.rows.push(row);
              const ns = BigInt(row[t] || '0');
              if (ns > live.newest) { live.newest = ns; }
            }
            live.rows.sort(function (a, b) { const x = BigInt(a[t] || '0'), y = BigInt(b[t] || '0'); return x < y ? 1 : x > y ? -1 : 0; });
            const limit = parseInt(params.get('limit') || '100', 10);
            for (const dropped of live.rows.splice(limit)) { live.seen.delete(dropped[id]); }
            return { columns: live.columns, rows: live.rows };
          }

          async function refresh() {
            if (paused) { return; }
            const status = document.getElementById('status');
            const results = document.getElementById('results');
            const parts = [];
            try {
              for (const [title, path, extra] of view.sections) {
                let q = apiQuery(extra);
                if (view.incremental && live.newest > LATENESS_NS) {
                  q += (q ? '&' : '') + 'after_ns=' + (live.newest - LATENESS_NS).toString();
                }
                const response = await fetch(path + (q ? '?' + q : ''), { credentials: 'same-origin', headers: { 'Accept': 'application/json' } });
                const data = await response.json();
                if (response.status === 401) {
                  status.textContent = 'Log in first: ';
                  const a = el('a', '/login'); a.href = '/login';
                  status.appendChild(a);
                  return;
                }
                if (!response.ok) {
                  status.textContent = 'Error ' + response.status + ': ' + (data.error || '');
                  status.className = 'error';
                  return;
                }
                parts.push([title, view.incremental && Array.isArray(data.columns) ? mergeLive(data) : data]);
              }
            } catch (e) {
              status.textContent = 'Request failed: ' + e;
              status.className = 'error';
              return;
            }
            const fresh = el('div');
            for (const [title, data] of parts) { render(fresh, title, data); }
            // A redraw must not throw away keyboard focus: a focused link comes back on its new copy
            // (same address), or the results themselves keep it, so Tab goes on from there.
            const focused = document.activeElement;
            const focusedHref = focused && focused !== results && results.contains(focused) ? focused.getAttribute('href') : null;
            results.replaceChildren(fresh);
            if (focusedHref !== null) {
              const again = Array.from(results.querySelectorAll('a')).find(function (a) { return a.getAttribute('href') === focusedHref; });
              (again || results).focus();
            }
            status.className = '';
            status.textContent = 'Updated ' + new Date().toISOString();
            if (view.poll && !paused) { window.setTimeout(refresh, view.poll); }
          }

          // Pause stops the polling, so a row stays put to be read; Resume polls again at once.
          function setUpPause() {
            const button = document.getElementById('pause');
            if (!view.poll || !button) { return; }
            button.hidden = false;
            button.addEventListener('click', function () {
              paused = !paused;
              button.textContent = paused ? 'Resume' : 'Pause';
              if (paused) {
                document.getElementById('status').textContent = 'Paused';
              } else {
                refresh();
              }
            });
          }

          // Keyboard: 1-6 open the views (the navigation links, so host and time range stay), '/' goes to
          // the first filter, 'p' pauses or resumes; never while typing in a field or with a modifier.
          function setUpKeys() {
            const links = Array.from(document.querySelectorAll('header nav a'));
            links.forEach(function (a, i) { a.setAttribute('aria-keyshortcuts', String(i + 1)); });
            document.addEventListener('keydown', function (e) {
              if (e.ctrlKey || e.metaKey || e.altKey) { return; }
              const tag = (e.target && e.target.tagName) || '';
              if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') { return; }
              const n = parseInt(e.key, 10);
              if (n >= 1 && n <= links.length) { e.preventDefault(); window.location.href = links[n - 1].href; return; }
              if (e.key === '/') {
                const first = document.querySelector('#filters input:not([type=hidden])');
                if (first) { e.preventDefault(); first.focus(); }
                return;
              }
              if (e.key === 'p') {
                const button = document.getElementById('pause');
                if (button && !button.hidden) { e.preventDefault(); button.click(); }
              }
            });
          }

          document.getElementById('title').textContent = view.title;
          setUpKeys();
          buildForm();
          shareScope();
          setUpPause();
          if (viewName === 'process' && !params.get('exec_id') && !(params.get('host') && params.get('pid'))) {
            document.getElementById('status').textContent = 'Give exec_id, or host and pid (click an exec_id in the live events).';
            return;
          }
          refresh();
        })();

        """#
}
