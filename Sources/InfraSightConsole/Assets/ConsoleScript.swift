extension ConsoleAssets {
    /// `console.js`. Builds every element with `createElement` and fills it with `textContent`;
    /// links are same-site (`/?view=process&…`, values encoded by `URLSearchParams`), so data never
    /// becomes markup or a script URL.
    static let consoleJS = #"""
        'use strict';
        (function () {
          const VIEWS = {
            events: { title: 'Live events', poll: 2000,
              filters: ['host', 'container', 'probe', 'user', 'comm', 'path', 'address', 'since', 'limit'],
              sections: [['Events', '/api/events']] },
            process: { title: 'Process', poll: 0,
              filters: ['exec_id', 'host', 'pid', 'since', 'limit'],
              sections: [['Process', '/api/process']] },
            top: { title: 'Top', poll: 10000,
              filters: ['host', 'container', 'user', 'comm', 'since', 'limit'],
              sections: [['Top comm by syscall latency', '/api/top/latency'], ['Top files', '/api/top/files'],
                         ['Top talkers by container', '/api/top/talkers']] },
            health: { title: 'Pipeline health', poll: 5000,
              filters: ['host', 'since', 'limit'],
              sections: [['Pipeline', '/api/health']] }
          };

          const params = new URLSearchParams(window.location.search);
          const viewName = Object.prototype.hasOwnProperty.call(VIEWS, params.get('view')) ? params.get('view') : 'events';
          const view = VIEWS[viewName];

          function el(tag, text) {
            const e = document.createElement(tag);
            if (text !== undefined) { e.textContent = String(text); }
            return e;
          }

          function apiQuery() {
            const q = new URLSearchParams();
            for (const name of view.filters) {
              const v = params.get(name);
              if (v !== null && v !== '') { q.set(name, v); }
            }
            return q.toString();
          }

          function buildForm() {
            const form = document.getElementById('filters');
            const hidden = el('input');
            hidden.type = 'hidden'; hidden.name = 'view'; hidden.value = viewName;
            form.appendChild(hidden);
            for (const name of view.filters) {
              const label = el('label', name + ' ');
              const input = el('input');
              input.name = name;
              input.value = params.get(name) || '';
              label.appendChild(input);
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

          function processLink(text, query) {
            const a = el('a', text);
            a.href = '/?view=process&' + query.toString();
            return a;
          }

          function renderTable(parent, title, table) {
            parent.appendChild(el('h3', title));
            if (!table.rows.length) {
              const p = el('p', 'no rows');
              p.className = 'empty';
              parent.appendChild(p);
              return;
            }
            const t = el('table');
            const head = t.createTHead().insertRow();
            for (const c of table.columns) { head.appendChild(el('th', c)); }
            const body = t.createTBody();
            const hostAt = table.columns.indexOf('host');
            for (const row of table.rows) {
              const tr = body.insertRow();
              row.forEach(function (cell, i) {
                const td = tr.insertCell();
                const column = table.columns[i];
                // exec_id links to its process; the pid too (by host + pid), since exec_id may be empty.
                if (column === 'exec_id' && cell) {
                  td.appendChild(processLink(cell, new URLSearchParams({ exec_id: cell })));
                } else if (column === 'pid' && hostAt >= 0 && cell && cell !== '0') {
                  td.appendChild(processLink(cell, new URLSearchParams({ host: row[hostAt], pid: cell })));
                } else {
                  td.textContent = cell;
                }
              });
            }
            parent.appendChild(t);
          }

          function render(container, title, data) {
            if (Array.isArray(data.columns)) { renderTable(container, title, data); return; }
            for (const key of Object.keys(data)) {
              const v = data[key];
              if (v && Array.isArray(v.columns)) { renderTable(container, key, v); }
            }
          }

          async function refresh() {
            const status = document.getElementById('status');
            const results = document.getElementById('results');
            const parts = [];
            const q = apiQuery();
            try {
              for (const [title, path] of view.sections) {
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
                parts.push([title, data]);
              }
            } catch (e) {
              status.textContent = 'Request failed: ' + e;
              status.className = 'error';
              return;
            }
            const fresh = el('div');
            for (const [title, data] of parts) { render(fresh, title, data); }
            results.replaceChildren(fresh);
            status.className = '';
            status.textContent = 'Updated ' + new Date().toISOString();
            if (view.poll) { window.setTimeout(refresh, view.poll); }
          }

          document.getElementById('title').textContent = view.title;
          buildForm();
          if (viewName === 'process' && !params.get('exec_id') && !(params.get('host') && params.get('pid'))) {
            document.getElementById('status').textContent = 'Give exec_id, or host and pid (click an exec_id in the live events).';
            return;
          }
          refresh();
        })();

        """#
}
