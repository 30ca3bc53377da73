import './styles/theme.css'
import './components/tw-login.js'
