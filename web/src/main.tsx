import { render } from 'preact';
import { captureToken } from './api';
import { App } from './app';
import './styles.css';

captureToken();
render(<App />, document.getElementById('app')!);
