// The open project, the recent list and the project's numbers. A project is a folder on disk; the
// host opens one at a time and says so with the `project:changed` event, which every screen follows.
import { createContext } from 'svelte';
import type { ProjectInfo, ProjectStats, RecentProject } from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';

export type ProjectApi = Pick<Api, 'call' | 'on' | 'openFiles' | 'mode'>;

export class ProjectState {
  current = $state.raw<ProjectInfo | null>(null);
  recent = $state.raw<RecentProject[]>([]);
  stats = $state.raw<ProjectStats | null>(null);
  loaded = $state(false);
  busy = $state(false);
  error = $state<string | null>(null);

  readonly #api: ProjectApi;
  // Plain bookkeeping, never shown: not reactive on purpose.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #listeners = new Set<(project: ProjectInfo | null) => void>();

  constructor(api: ProjectApi) {
    this.#api = api;
  }

  /** Subscribes to host pushes; returns the unsubscribe function. */
  connect(): () => void {
    return this.#api.on('project:changed', ({ project }) => this.#set(project));
  }

  /** Called with the new project (or null) whenever it changes, so screens can reload. */
  onChange(listener: (project: ProjectInfo | null) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async load(): Promise<void> {
    try {
      const [current, recent] = await Promise.all([this.#api.call('project:current', {}), this.#api.call('project:recent', {})]);
      this.recent = recent.projects;
      this.#set(current);
      if (current) await this.refreshStats();
    } catch (err) {
      this.error = readableError(err, 'load the project list');
    } finally {
      this.loaded = true;
    }
  }

  async refreshStats(): Promise<void> {
    if (!this.current) return;
    try {
      this.stats = await this.#api.call('project:stats', {});
    } catch (err) {
      this.error = readableError(err, 'read the project numbers');
    }
  }

  /** Creates a project (in the folder picked with the dialog under Electron, else the app's projects folder). */
  async create(name: string, parent?: string): Promise<boolean> {
    const trimmed = name.trim();
    if (!trimmed) {
      this.error = 'Give the project a name.';
      return false;
    }
    return this.#run('create the project', () => this.#api.call('project:create', parent ? { name: trimmed, parent } : { name: trimmed }));
  }

  async openRecent(path: string): Promise<boolean> {
    return this.#run('open the project', () => this.#api.call('project:open', { path }));
  }

  /** Electron: picks a folder with the native dialog. Serve mode has no dialog (returns false). */
  async openPicked(): Promise<boolean> {
    const picked = await this.#api.openFiles({ purpose: 'project', title: 'Open a project folder' }).catch((err) => {
      this.error = readableError(err, 'show the open dialog');
      return null;
    });
    const folder = picked?.[0];
    if (!folder) return false;
    return this.#run('open the project', () => this.#api.call('project:open', { folder: folder.id }));
  }

  async close(): Promise<void> {
    try {
      await this.#api.call('project:close', {});
      this.#set(null);
    } catch (err) {
      this.error = readableError(err, 'close the project');
    }
  }

  async forget(path: string): Promise<void> {
    try {
      this.recent = (await this.#api.call('project:forget', { path })).projects;
    } catch (err) {
      this.error = readableError(err, 'forget the project');
    }
  }

  async #run(action: string, open: () => Promise<ProjectInfo>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      this.#set(await open());
      const [recent] = await Promise.all([this.#api.call('project:recent', {}), this.refreshStats()]);
      this.recent = recent.projects;
      return true;
    } catch (err) {
      this.error = readableError(err, action);
      return false;
    } finally {
      this.busy = false;
    }
  }

  #set(project: ProjectInfo | null): void {
    const changed = project?.path !== this.current?.path || project?.openedAt !== this.current?.openedAt;
    this.current = project;
    if (!project) this.stats = null;
    if (changed) for (const listener of this.#listeners) listener(project);
  }
}

export const [getProject, setProject] = createContext<ProjectState>();
