import './styles/theme.css'
import './components/tw-app.js'
