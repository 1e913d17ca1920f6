// Renderer entry: mounts the app into #root. (Not #app: an element id becomes a window property,
// and window.app is the preload's bridge.)
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('root');
if (!target) throw new Error('renderer: #root element missing from index.html');
mount(App, { target });
