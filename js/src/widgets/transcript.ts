// placeholder, replaced below
import "./transcript.css";
export default { render() {} };
