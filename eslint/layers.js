// ESLint rule `layers/imports`: which runtime folder may import what (in the spirit of VS Code's
// code-layering check). Each folder's block in eslint.config.js passes its own options:
//   forbiddenFolders  top-level folders this layer must not import from ('main', 'models', ...)
//   typeOnly          repo paths that may be imported, but only with `import type`
//   forbiddenModules  packages (or 'node:*' for every Node built-in) this layer must not import
//   allowedModules    if set, the only packages this layer may import
//   layer             how messages name the importing folder, e.g. 'renderer/'
// Relative specifiers are resolved against the importing file, so `../../main/x.ts` is caught from
// any depth. Static imports, re-exports, dynamic import() and require() are all checked.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** 'electron/main' -> 'electron', '@scope/pkg/sub' -> '@scope/pkg', 'node:fs' stays. */
function packageName(specifier) {
  if (specifier.startsWith('node:')) return specifier;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function matchesModule(pattern, specifier) {
  if (pattern === 'node:*') return BUILTINS.has(specifier) || BUILTINS.has(packageName(specifier));
  return packageName(specifier) === pattern;
}

function toRepoPath(root, file) {
  return relative(root, file).split(sep).join('/');
}

/** @type {import('eslint').Rule.RuleModule} */
const importsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce which folders and packages each runtime layer may import' },
    schema: [
      {
        type: 'object',
        properties: {
          layer: { type: 'string' },
          forbiddenFolders: { type: 'array', items: { type: 'string' } },
          typeOnly: { type: 'array', items: { type: 'string' } },
          forbiddenModules: { type: 'array', items: { type: 'string' } },
          allowedModules: { type: 'array', items: { type: 'string' } },
        },
        required: ['layer'],
        additionalProperties: false,
      },
    ],
    messages: {
      folder: "{{layer}} may not import from {{folder}}/ ('{{specifier}}' is {{target}}).",
      typeOnly: "{{layer}} may import {{target}} only with 'import type' ('{{specifier}}').",
      module: "{{layer}} may not import '{{specifier}}'.",
      notAllowed: "{{layer}} may import only {{allowed}}, not '{{specifier}}'.",
    },
  },
  create(context) {
    const opts = context.options[0];
    const root = context.cwd;
    const here = dirname(context.filename);
    const typeOnly = new Set(opts.typeOnly ?? []);
    const forbiddenFolders = new Set(opts.forbiddenFolders ?? []);

    function check(node, specifier, isTypeOnly) {
      if (typeof specifier !== 'string') return;
      const data = { layer: opts.layer, specifier };
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const target = toRepoPath(root, resolve(here, specifier));
        if (typeOnly.has(target)) {
          if (!isTypeOnly) context.report({ node, messageId: 'typeOnly', data: { ...data, target } });
          return;
        }
        const folder = target.split('/')[0];
        if (forbiddenFolders.has(folder)) context.report({ node, messageId: 'folder', data: { ...data, folder, target } });
        return;
      }
      if ((opts.forbiddenModules ?? []).some((p) => matchesModule(p, specifier))) {
        context.report({ node, messageId: 'module', data });
      } else if (opts.allowedModules && !opts.allowedModules.some((p) => matchesModule(p, specifier))) {
        context.report({ node, messageId: 'notAllowed', data: { ...data, allowed: opts.allowedModules.join(', ') } });
      }
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value, node.importKind === 'type'),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, false),
      CallExpression: (node) => {
        const [arg] = node.arguments;
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && arg?.type === 'Literal') {
          check(node, arg.value, false);
        }
      },
    };
  },
};

export default { meta: { name: 'layers' }, rules: { imports: importsRule } };
