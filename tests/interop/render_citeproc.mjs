// citeproc-js (the engine inside Zotero and Mendeley) rendering every item of a CSL-JSON file.
// Usage: node render_citeproc.mjs ITEMS.json STYLE.csl LOCALE.xml [text|html]
// Prints {bibliography: {id: entry}, citations: {id: citation}, errors: [...]} as JSON.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const CSL = require('citeproc')

const [itemsPath, stylePath, localePath, format = 'text'] = process.argv.slice(2)
const items = JSON.parse(readFileSync(itemsPath, 'utf-8'))
const byId = Object.fromEntries(items.map(i => [i.id, i]))
const errors = []
const sys = {
  retrieveLocale: () => readFileSync(localePath, 'utf-8'),
  retrieveItem: id => byId[id],
}
const engine = new CSL.Engine(sys, readFileSync(stylePath, 'utf-8'))
engine.opt.development_extensions.wrap_url_and_doi = false
engine.setOutputFormat(format)
const citations = {}
for (const item of items) {
  try {
    const result = engine.makeCitationCluster([{ id: item.id }])
    citations[item.id] = result
  } catch (e) { errors.push(`${item.id}: ${e.message}`) }
}
engine.updateItems(items.map(i => i.id))
const [meta, entries] = engine.makeBibliography()
const bibliography = {}
meta.entry_ids.forEach((ids, n) => { bibliography[ids[0]] = (entries[n] || '').trim() })
if (meta.bibliography_errors && meta.bibliography_errors.length) errors.push(...meta.bibliography_errors.map(String))
process.stdout.write(JSON.stringify({ bibliography, citations, errors }, null, 2))
